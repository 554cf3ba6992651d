// Entry point of every signed-in page (templates/base.html): the main navigation's Menu
// button. Below the stylesheet's 64rem breakpoint the links fold behind it, so that the
// header stays one line on a phone, and the current section's name shows beside it. A
// disclosure: the button's aria-expanded says whether the links are shown; Escape, a
// click elsewhere or focus leaving the navigation closes them. Without this script the
// links stay in view (the stylesheet folds them only once the nav is marked ready).
const nav = document.querySelector("[data-site-nav]");
const toggle = nav?.querySelector("[data-site-nav-toggle]");

if (nav && toggle) {
  const here = nav.querySelector("[data-site-nav-here]");
  const current = nav.querySelector("[data-site-nav-links] a[aria-current]");
  if (here && current) here.textContent = current.firstChild.textContent.trim();

  const setOpen = (open) => {
    toggle.setAttribute("aria-expanded", String(open));
    nav.classList.toggle("site-nav--open", open);
  };
  const isOpen = () => toggle.getAttribute("aria-expanded") === "true";
  toggle.addEventListener("click", () => setOpen(!isOpen()));
  nav.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || !isOpen()) return;
    setOpen(false);
    toggle.focus();
  });
  nav.addEventListener("focusout", (event) => {
    if (isOpen() && event.relatedTarget && !nav.contains(event.relatedTarget)) setOpen(false);
  });
  document.addEventListener("click", (event) => {
    if (isOpen() && !nav.contains(event.target)) setOpen(false);
  });
  nav.classList.add("site-nav--ready");
}
