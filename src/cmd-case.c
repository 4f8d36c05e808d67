/* cmd-case: not written yet */
