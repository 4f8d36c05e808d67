/* series: not written yet */
