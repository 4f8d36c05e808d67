/* schedule: not written yet */
