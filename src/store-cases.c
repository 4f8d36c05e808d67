/* store-cases: not written yet */
