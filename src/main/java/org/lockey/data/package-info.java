/**
 * Data: the bundled reference data (speech from espeak-ng, the multi-voice corpus from espeak-ng and
 * festival, music from the JDK's MIDI synthesiser with its default bank or one explicitly loaded SoundFont),
 * its splits, and loading of audio corpora for training and evaluation.
 */
package org.lockey.data;
