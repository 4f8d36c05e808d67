/* cmd-member: not written yet */
