/* planner: not written yet */
