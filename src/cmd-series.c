/* cmd-series: not written yet */
