/* cmd-debug: not written yet */
