/* series.h: not written yet */
