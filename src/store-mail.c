/* store-mail: not written yet */
