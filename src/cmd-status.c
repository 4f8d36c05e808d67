/* cmd-status: not written yet */
