/* cmd-session: not written yet */
