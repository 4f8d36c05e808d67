/* presenters.h: not written yet */
