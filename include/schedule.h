/* schedule.h: not written yet */
