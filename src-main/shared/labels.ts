// How a class label reads to a person. ImageNet's class index (as Keras ships it, and as its
// decode_predictions prints it) joins words with underscores: 'Bernese_mountain_dog'. The app,
// the CLI's text output and the CSV files all show the words: 'Bernese mountain dog'. JSON
// output keeps the class index's own label (and the id), for programs that match on them.

export function displayLabel(label: string): string {
  return label.replace(/_/g, ' ');
}
