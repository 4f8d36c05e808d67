/* cmd: not written yet */
