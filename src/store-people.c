/* store-people: not written yet */
