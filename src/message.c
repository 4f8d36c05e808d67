/* message: not written yet */
