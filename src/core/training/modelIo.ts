/**
 * Saving and loading models without tfjs-node: `model.json` + `weights.bin` in the layout tfjs-node's
 * `file://` handler writes (one weights group, one shard), so either side can read the other's files.
 * Pure: bytes in, bytes out; the run folder writes them (temp file + rename).
 */
import * as tf from '@tensorflow/tfjs';
import './model'; // registers SeededDropout, which saved models may contain

export interface ModelFiles {
  /** Contents of model.json. */
  modelJson: string;
  /** Contents of weights.bin. */
  weights: Uint8Array;
}

export const WEIGHTS_FILE = 'weights.bin';

/** Serialises a model's topology and weights. */
export async function modelToFiles(model: tf.LayersModel): Promise<ModelFiles> {
  let files: ModelFiles | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data =
        artifacts.weightData === undefined
          ? new ArrayBuffer(0)
          : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const json: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_layers}`,
        convertedBy: null,
        weightsManifest: [{ paths: [`./${WEIGHTS_FILE}`], weights: artifacts.weightSpecs ?? [] }],
      };
      files = { modelJson: JSON.stringify(json), weights: new Uint8Array(data) };
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  if (!files) throw new Error('The model could not be serialised.');
  return files;
}

/** Rebuilds a model from the bytes of model.json and weights.bin. */
export async function modelFromFiles(files: ModelFiles): Promise<tf.LayersModel> {
  const json = JSON.parse(files.modelJson) as tf.io.ModelJSON;
  const w = files.weights;
  const buffer = w.buffer.slice(w.byteOffset, w.byteOffset + w.byteLength) as ArrayBuffer;
  const artifacts = await tf.io.getModelArtifactsForJSON(json, async (manifest) => [
    manifest.flatMap((g) => g.weights),
    buffer,
  ]);
  return tf.loadLayersModel(tf.io.fromMemory(artifacts));
}
