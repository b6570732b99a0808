/* Live length counters for post text boxes, and refusing to submit a form
 * while any of its posts is too long. The server checks again regardless. */
(function () {
  "use strict";

  // The counting rule and the limit come from the server's platform spec (data-counting,
  // data-url-length, data-limit): the same rules as distributor.lengths.text_length.
  var URL_RE = /https?:\/\/[^\s]+/g;
  var graphemes = window.Intl && Intl.Segmenter ? new Intl.Segmenter(undefined, {granularity: "grapheme"}) : null;

  // Threads counts an emoji as its UTF-8 bytes (emoji_bytes): the same classes as distributor.lengths._emoji_patterns.
  var EMOJI_RE = /\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20e3/u;
  var utf8 = new TextEncoder();

  function clusters(text) {
    return graphemes ? Array.from(graphemes.segment(text), function (s) { return s.segment; }) : Array.from(text);
  }

  function lengthOf(textarea) {
    var text = textarea.value;
    var counting = textarea.dataset.counting || "characters";
    if (counting === "x_weighted") return window.weightedLength(text);
    if (counting === "graphemes") return clusters(text).length;
    if (counting === "emoji_bytes") {
      return clusters(text).reduce(function (total, c) {
        return total + (EMOJI_RE.test(c) ? utf8.encode(c).length : Array.from(c).length);
      }, 0);
    }
    var weight = textarea.dataset.urlLength ? parseInt(textarea.dataset.urlLength, 10) : null;
    if (weight === null) return Array.from(text).length;
    var total = 0, position = 0, match;
    URL_RE.lastIndex = 0;
    while ((match = URL_RE.exec(text)) !== null) {
      total += Array.from(text.slice(position, match.index)).length + weight;
      position = match.index + match[0].length;
    }
    return total + Array.from(text.slice(position)).length;
  }

  function update(textarea) {
    var output = document.getElementById(textarea.dataset.counter);
    var limit = parseInt(textarea.dataset.limit, 10);
    var length = lengthOf(textarea);
    var maxBytes = textarea.dataset.maxBytes ? parseInt(textarea.dataset.maxBytes, 10) : null;
    var bytes = maxBytes === null ? 0 : utf8.encode(textarea.value).length;
    var over = length > limit || (maxBytes !== null && bytes > maxBytes);
    if (length > limit) {
      output.textContent = length + " / " + limit + " \u2014 " + (length - limit) + " over";
    } else if (over) {  // within the characters, over the platform's byte cap (Bluesky: 3,000)
      output.textContent = length + " / " + limit + " \u2014 " + bytes + " bytes, " + (bytes - maxBytes) + " over";
    } else {
      output.textContent = length + " / " + limit;
    }
    output.classList.toggle("over", over);
    textarea.classList.toggle("over", over);
    textarea.setAttribute("aria-invalid", over ? "true" : "false");
    refreshForm(textarea.form);
  }

  function included(textarea) {
    var card = textarea.closest(".draft");
    if (!card) return true;
    var box = card.querySelector('input[type=checkbox][name^="include_"]');
    return !box || box.checked;
  }

  function refreshForm(form) {
    if (!form) return;
    var anyOver = Array.from(form.querySelectorAll("textarea[data-counter]")).some(function (t) {
      return included(t) && t.classList.contains("over");
    });
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = anyOver; });
    var note = form.querySelector("#over-note");
    if (note) note.hidden = !anyOver;
  }

  document.querySelectorAll("textarea[data-counter]").forEach(function (textarea) {
    textarea.addEventListener("input", function () { update(textarea); });
    update(textarea);
  });
  document.querySelectorAll('input[type=checkbox][name^="include_"]').forEach(function (box) {
    box.addEventListener("change", function () {
      box.closest(".draft").classList.toggle("excluded", !box.checked);
      refreshForm(box.form);
    });
  });
  // Typing a custom image URL picks the "another image" choice.
  document.querySelectorAll('input[name^="image_custom_"]').forEach(function (input) {
    input.addEventListener("input", function () {
      var radio = input.closest("label").querySelector("input[type=radio]");
      if (radio && input.value) radio.checked = true;
    });
  });
  // The picture preview follows the image choice (photo or quote card).
  document.querySelectorAll('input[type=radio][name^="image_"]').forEach(function (radio) {
    radio.addEventListener("change", function () {
      var figure = radio.closest(".draft").querySelector(".picture-preview");
      if (!figure) return;
      figure.querySelectorAll("img").forEach(function (img) {
        img.hidden = !img.classList.contains("preview-" + radio.value);
      });
    });
  });
  // Choosing a time picks "At".
  document.querySelectorAll('input[name="at"][type="datetime-local"]').forEach(function (input) {
    input.addEventListener("input", function () {
      var radio = input.form && input.form.querySelector('input[name="when"][value="at"]');
      if (radio) radio.checked = true;
    });
  });
  // The live preview: each draft drawn as its platform will show it, from the traits the
  // server gives (data-traits): where the link goes, and when it becomes a link card.
  function chosenPicture(card) {
    var radio = card.querySelector('input[type=radio][name^="image_"]:checked');
    var choice = radio ? radio.value : "none";
    if (choice === "custom") {
      var custom = card.querySelector('input[name^="image_custom_"]');
      return custom && custom.value ? { src: custom.value, alt: "" } : null;
    }
    if (choice === "none" || !radio) return null;
    var img = radio.closest("label").querySelector("img");
    return img ? { src: img.getAttribute("src"), alt: img.getAttribute("alt") || "" } : null;
  }

  function domainOf(link) {
    try { return new URL(link).hostname.replace(/^www\./, ""); } catch (e) { return ""; }
  }

  function drawPreview(card) {
    var figure = card.querySelector(".post-preview");
    if (!figure) return;
    var traits = JSON.parse(figure.dataset.traits);
    var text = card.querySelector("textarea[data-counter]").value.replace(/\r\n/g, "\n");
    var linkInput = card.querySelector('input[name^="link_"]');
    var link = linkInput ? linkInput.value.trim() : "";
    var picture = chosenPicture(card);
    var altBox = card.querySelector("textarea.alt-text");
    var alt = altBox && altBox.value.trim() ? altBox.value.trim() : (picture ? picture.alt : "");
    var extras = extraImages(card);
    if (!picture && extras.length) { picture = extras.shift(); alt = picture.alt; }  // the first one leads
    // A photo post shows the picture; otherwise a link makes a card (X's card, Facebook's link post).
    // Several images always make a photo post (Facebook: photos attached to one post, the link in the text).
    var photoPost = Boolean(picture) && (traits.photo === "always" || !link || picture.src.indexOf("/cards/") === 0 ||
                                         extras.length > 0);
    var where = photoPost ? traits.photo_link : traits.link;
    var shown = text;
    if (link && where === "in_text" && text.indexOf(link) === -1) shown = (text + traits.joiner + link).trim();
    figure.querySelector(".pv-text").textContent = shown;
    var photo = figure.querySelector(".pv-photo");
    photo.hidden = !photoPost;
    if (photoPost) { photo.src = picture.src; photo.alt = alt; }
    var altNote = figure.querySelector(".pv-alt");
    altNote.hidden = !photoPost;
    altNote.textContent = photoPost ? (alt ? "Alt text: " + alt : "No alt text") : "";
    var showCard = Boolean(link) && !photoPost;
    var linkCard = figure.querySelector(".pv-card");
    linkCard.hidden = !showCard;
    if (showCard) {
      var cardImage = linkCard.querySelector(".pv-card-image");
      var image = figure.dataset.cardImage;
      cardImage.hidden = !image;
      if (image) cardImage.src = image;
      linkCard.querySelector(".pv-card-domain").textContent = domainOf(link);
      linkCard.querySelector(".pv-card-title").textContent = figure.dataset.cardTitle || link;
      linkCard.querySelector(".pv-card-link").textContent = link;
    }
    drawParts(card, figure, photoPost ? extras : []);
  }

  // The images after the first: rows with a URL, each with its alt text.
  function extraImages(card) {
    return Array.from(card.querySelectorAll(".extra-image")).map(function (row) {
      var url = row.querySelector('input[name^="extra_image_"]').value.trim();
      var alt = row.querySelector('textarea[name^="extra_alt_"]').value.trim();
      return url ? { src: url, alt: alt } : null;
    }).filter(Boolean);
  }

  // The preview's extra images, the thread's replies and the first comment, as the platform will show them.
  function drawParts(card, figure, extras) {
    var box = figure.querySelector(".pv-images");
    box.textContent = "";
    extras.forEach(function (picture) {
      var img = document.createElement("img");
      img.className = "pv-extra";
      img.src = picture.src;
      img.alt = picture.alt;
      img.referrerPolicy = "no-referrer";
      var note = document.createElement("p");
      note.className = "pv-extra-alt muted";
      note.textContent = picture.alt ? "Alt text: " + picture.alt : "No alt text";
      box.appendChild(img);
      box.appendChild(note);
    });
    var list = figure.querySelector(".pv-thread");
    list.textContent = "";
    card.querySelectorAll("textarea.thread-text").forEach(function (box) {
      var text = box.value.trim();
      if (!text) return;
      var item = document.createElement("li");
      item.className = "pv-reply";
      item.textContent = text;
      list.appendChild(item);
    });
    list.hidden = !list.children.length;
    var commentBox = card.querySelector("textarea.first-comment");
    var comment = figure.querySelector(".pv-comment");
    var said = commentBox ? commentBox.value.trim() : "";
    comment.hidden = !said;
    comment.textContent = said ? "First comment: " + said : "";
  }

  // "Add an image" shows the next empty image row.
  document.querySelectorAll("button.add-image").forEach(function (button) {
    button.addEventListener("click", function () {
      var next = button.closest(".extra-images").querySelector(".extra-image[hidden]");
      if (next) next.hidden = false;
      button.hidden = !button.closest(".extra-images").querySelector(".extra-image[hidden]");
    });
  });

  document.querySelectorAll(".draft").forEach(function (card) {
    card.addEventListener("input", function () { drawPreview(card); });
    card.addEventListener("change", function () { drawPreview(card); });
    drawPreview(card);
  });
  // "Use it" on a best time: schedule at that time.
  document.querySelectorAll("button.use-best").forEach(function (button) {
    button.addEventListener("click", function () {
      var form = button.form;
      var input = form.querySelector('input[name="at"]');
      var radio = form.querySelector('input[name="when"][value="at"]');
      if (input) input.value = button.dataset.at;
      if (radio) radio.checked = true;
    });
  });
})();
