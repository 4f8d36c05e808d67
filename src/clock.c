/* clock: not written yet */
