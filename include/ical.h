/* ical.h: not written yet */
