/* cmd-absence: not written yet */
