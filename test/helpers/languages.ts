// Which language a text the window shows is in: for the tests that check a Korean user reads no
// English (test/components/window-words.ts words them; Chromium's tests read them off the page).

/** Three or more Latin words in a row: an English sentence (names and formats are single words). */
export const ENGLISH = /[A-Za-z]+ [A-Za-z]+ [A-Za-z]+/;
export const HANGUL = /[\uac00-\ud7a3]/;
