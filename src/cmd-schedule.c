/* cmd-schedule: not written yet */
