/* smtp: not written yet */
