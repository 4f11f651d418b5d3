// The year in review's print button: progressive enhancement (the browser's Print works too).
document.addEventListener("click", (event) => {
  const trigger = event.target.closest("[data-print]");
  if (trigger) {
    event.preventDefault();
    window.print();
  }
});
