/* control: not written yet */
