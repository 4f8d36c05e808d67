/* ical: not written yet */
