/* cmd-reload: not written yet */
