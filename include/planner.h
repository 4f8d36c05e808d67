/* planner.h: not written yet */
