/* cmd-audit: not written yet */
