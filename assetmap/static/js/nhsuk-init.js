// Start the NHS.UK frontend's components on every page: the error summary takes focus and
// takes each of its links to the field's label or legend, buttons ignore a double click, and
// so on. A file, not an inline script: the Content-Security-Policy allows only scripts from
// this site (and inline ones with the request's nonce).
import { initAll } from "../vendor/nhsuk/nhsuk-frontend.min.js";

// The frontend's components run only where the page says the browser supports them (the
// class its own page template sets with an inline script).
document.body.classList.add("nhsuk-frontend-supported");
initAll();
