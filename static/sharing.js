// The badge page's "Copy link" button (templates/badges/assertion.html). Without
// JavaScript the button stays hidden and the address is there to select in its field.
document.querySelectorAll("button[data-copy]").forEach((button) => {
  const field = document.getElementById(button.dataset.copy);
  const status = document.getElementById(button.dataset.status);
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(field.value);
      status.textContent = "Copied";
    } catch {
      field.select();
      status.textContent = "Press Ctrl+C (or ⌘C) to copy the selected address";
    }
  });
});
