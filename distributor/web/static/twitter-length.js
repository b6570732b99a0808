/* X's weighted length, ported from twitter-text v3 (what distributor.lengths.text_length uses).
 *
 * Text is NFC-normalised; each URL counts 23 (t.co); each emoji (including
 * ZWJ sequences, flags, keycaps) counts 2; other characters count 1 when in
 * the "light" ranges below (Latin, Greek, Cyrillic, ..., general punctuation)
 * and 2 otherwise (CJK and the rest). The server checks again with the real
 * twitter-text: this is for the editor's live counter only. Known gap: bare
 * domains are recognised for common TLDs only (twitter-text knows them all).
 */
(function (global) {
  "use strict";
  var URL_WEIGHT = 23;
  var LIGHT = [[0x0000, 0x10FF], [0x2000, 0x200D], [0x2010, 0x201F], [0x2032, 0x2037]];
  var TLDS = "com|net|org|edu|gov|mil|int|info|biz|name|pro|news|app|dev|blog|media|online|site|xyz|live|world|today|press|tech|club|store|shop|page|link|bar|top";
  // A host is labels then a known top-level domain (twitter-text checks its full
  // list: "coastaltimes.example" is not a URL to X, "bbc.co.uk" is).
  var HOST = "(?:[\\p{L}\\p{N}](?:[\\p{L}\\p{N}-]*[\\p{L}\\p{N}])?\\.)+(?:[a-z]{2}|" + TLDS + ")(?![\\p{L}\\p{N}\\-])";
  var URL_RE = new RegExp(
    "(?:https?://(?:localhost|" + HOST + ")(?::\\d+)?|(?<![\\p{L}\\p{N}@.\\-])" + HOST + ")(?:[/?#][^\\s]*)?",
    "giu");
  var TRAILING = /[.,;:!?)\]}'"\u2019\u201d]+$/;
  var EMOJI_RE = new RegExp(
    "[\\u{1F1E6}-\\u{1F1FF}]{2}" +
    "|[0-9#*]\\uFE0F?\\u20E3" +
    "|\\p{Extended_Pictographic}(?:\\uFE0F|\\p{Emoji_Modifier})*(?:\\u200D\\p{Extended_Pictographic}(?:\\uFE0F|\\p{Emoji_Modifier})*)*",
    "gu");

  function charWeight(codePoint) {
    for (var i = 0; i < LIGHT.length; i++) {
      if (codePoint >= LIGHT[i][0] && codePoint <= LIGHT[i][1]) return 1;
    }
    return 2;
  }

  function plainLength(text) {
    var total = 0;
    text = text.replace(EMOJI_RE, function () { total += 2; return ""; });
    for (var ch of text) total += charWeight(ch.codePointAt(0));
    return total;
  }

  function weightedLength(text) {
    text = (text || "").normalize("NFC");
    var total = 0, last = 0, match;
    URL_RE.lastIndex = 0;
    while ((match = URL_RE.exec(text)) !== null) {
      var url = match[0];
      var trimmed = url.replace(TRAILING, "");
      total += plainLength(text.slice(last, match.index)) + URL_WEIGHT;
      last = match.index + trimmed.length;
      URL_RE.lastIndex = last > match.index ? last : match.index + 1;
    }
    return total + plainLength(text.slice(last));
  }

  global.weightedLength = weightedLength;
})(window);
