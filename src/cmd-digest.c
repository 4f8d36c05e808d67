/* cmd-digest: not written yet */
