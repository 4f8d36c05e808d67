/* cmd-team: not written yet */
