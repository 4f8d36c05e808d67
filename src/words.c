/* words: not written yet */
