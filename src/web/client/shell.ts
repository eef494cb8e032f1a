/** The module of pages that only need the top bar (the "not for your role" and error pages). */
import './boot.js';
