/* store-presentations: not written yet */
