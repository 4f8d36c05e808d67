/* cmd-import: not written yet */
