// Chat as a citizen: posts go to the stand-in, which posts the signed webhook to /whatsapp/webhook.
(function () {
  const root = document.getElementById("wa-sim");
  if (!root) return;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const thread = document.getElementById("wa-thread");
  const error = document.getElementById("wa-error");
  const number = document.getElementById("wa-number");
  const profile = document.getElementById("wa-name");
  const text = document.getElementById("wa-text");
  let shown = "";

  function showError(message) {
    error.textContent = message || "";
    error.hidden = !message;
  }

  function render(messages) {
    const key = JSON.stringify(messages);
    if (key === shown) return;
    shown = key;
    thread.textContent = "";
    messages.forEach(function (m, index) {
      const li = document.createElement("li");
      li.className = "wa-msg " + (m.arah === "in" ? "wa-in" : "wa-out");
      li.dataset.jenis = m.jenis || "";
      li.textContent = m.teks;
      const choices = m.daftar || m.tombol;
      // Only the newest message's choices can still be picked, as on a phone.
      if (choices && index === messages.length - 1) {
        const box = document.createElement("div");
        box.className = "wa-choices" + (m.daftar ? " wa-list" : "");
        choices.forEach(function (c) {
          const b = document.createElement("button");
          b.type = "button";
          b.textContent = c.judul;
          if (c.keterangan) {
            const more = document.createElement("small");
            more.textContent = c.keterangan;
            b.appendChild(more);
          }
          b.addEventListener("click", function () {
            send({jenis: "pilihan", id: c.id, judul: c.judul, daftar: !!m.daftar});
          });
          box.appendChild(b);
        });
        li.appendChild(box);
      }
      thread.appendChild(li);
    });
    thread.scrollTop = thread.scrollHeight;
  }

  function send(body) {
    body.nama = profile.value;
    body.nomor = number.value;
    showError("");
    return fetch(root.dataset.send, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify(body),
    }).then(function (r) {
      return r.json().then(function (data) {
        if (!r.ok) throw new Error(data.error || ("HTTP " + r.status));
        render(data.pesan);
      });
    }).catch(function (e) { showError(e.message); });
  }

  function poll() {
    fetch(root.dataset.poll, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify({nomor: number.value}),
    })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) render(data.pesan); })
      .catch(function () {});
  }

  document.getElementById("wa-compose").addEventListener("submit", function (e) {
    e.preventDefault();
    const value = text.value.trim();
    if (!value) return;
    text.value = "";
    send({jenis: "teks", teks: value});
  });
  document.getElementById("wa-location").addEventListener("click", function () {
    const fallback = function () { send({jenis: "lokasi", lintang: -2.5337, bujur: 140.7181, alamat: "Titik simulasi"}); };
    if (!navigator.geolocation) return fallback();
    navigator.geolocation.getCurrentPosition(function (p) {
      send({jenis: "lokasi", lintang: p.coords.latitude, bujur: p.coords.longitude, alamat: ""});
    }, fallback, {timeout: 3000});
  });
  document.getElementById("wa-file").addEventListener("change", function (e) {
    const file = e.target.files[0];
    if (!file) return;
    const reader = new FileReader();
    reader.onload = function () {
      const data = String(reader.result).split(",")[1];
      send({jenis: file.type.indexOf("video") === 0 ? "video" : "foto", mime: file.type, data: data});
    };
    reader.readAsDataURL(file);
    e.target.value = "";
  });
  number.addEventListener("change", function () { shown = ""; poll(); });
  poll();
  setInterval(poll, 4000);
})();
