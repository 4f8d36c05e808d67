/* cases: not written yet */
