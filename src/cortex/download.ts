/**
 * `neuroplast data download v1`: the upstream files the V1 tables' manifest copies byte for byte (pinned commits,
 * SHA-256 checked), for users without the tables folder. The derived tables are computed from upstream inputs by the
 * maintainers' scripts and cannot be downloaded: docs/cortex.md lists what must be rebuilt.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { downloadVerified, sha256File, type DataEnv } from '../data/index.js';
import { NeuroplastError } from '../util/errors.js';

/** One upstream file: where it goes in the tables folder, its pinned URL, size and SHA-256 (from the manifest). */
export interface V1UpstreamFile {
  path: string;
  url: string;
  bytes: number;
  sha256: string;
}

export const V1_UPSTREAM_FILES: readonly V1UpstreamFile[] = [
  {
    path: 'conn/v1_conn_props_new.json',
    url: 'https://raw.githubusercontent.com/AllenInstitute/biorealistic-v1-model/a15d8e1685de8fff0f949c272255f7bb680ac10b/base_props/v1_conn_props_new.json',
    bytes: 59042,
    sha256: '74b5f0cda5f090ebeef4361ade9e37b04f3f86eacb2ab349397fed2fb1d88994',
  },
  {
    path: 'lgn/lgn_models.csv',
    url: 'https://raw.githubusercontent.com/AllenInstitute/biorealistic-v1-model/330276625b95462710bc57791b6e8b077d2f0ff6/base_props/lgn_models.csv',
    bytes: 595,
    sha256: '8915d524762b66ce9e08afc53ed28d05df625d830508603073785b67ab7a125c',
  },
  {
    path: 'lgn/model_templates/sOFF_TF15_6.23741017_-2.1430682_4.59332686_20.0_5.0_ic.json',
    url: 'https://raw.githubusercontent.com/AllenInstitute/biorealistic-v1-model/330276625b95462710bc57791b6e8b077d2f0ff6/base_props/filter_components/model_templates/sOFF_TF15_6.23741017_-2.1430682_4.59332686_20.0_5.0_ic.json',
    bytes: 661,
    sha256: 'c927285c54613ef60720e4bd5bcff11da269f3276b074b74424d71765c1eafc5',
  },
  {
    path: 'lgn/model_templates/sOFF_TF1_3.5_-2.0_50.0_140.0_5.0_ic.json',
    url: 'https://raw.githubusercontent.com/AllenInstitute/biorealistic-v1-model/330276625b95462710bc57791b6e8b077d2f0ff6/base_props/filter_components/model_templates/sOFF_TF1_3.5_-2.0_50.0_140.0_5.0_ic.json',
    bytes: 675,
    sha256: '1a17e67fdfe360a2dffc7a317bc57d93b7f674d55f55dd0e5ac80715d8144f81',
  },
  {
    path: 'lgn/model_templates/sOFF_TF2_3.5_-2.0_10.0_100.0_25.0_ic.json',
    url: 'https://raw.githubusercontent.com/AllenInstitute/biorealistic-v1-model/330276625b95462710bc57791b6e8b077d2f0ff6/base_props/filter_components/model_templates/sOFF_TF2_3.5_-2.0_10.0_100.0_25.0_ic.json',
    bytes: 676,
    sha256: 'd06ab65f27c414ddede3fd0cf1b5dd401bc2a15b18eb2f961b6900334c52a1c0',
  },
  {
    path: 'lgn/model_templates/sOFF_TF4_3.5_-2.0_10.0_60.0_15.0_ic.json',
    url: 'https://raw.githubusercontent.com/AllenInstitute/biorealistic-v1-model/330276625b95462710bc57791b6e8b077d2f0ff6/base_props/filter_components/model_templates/sOFF_TF4_3.5_-2.0_10.0_60.0_15.0_ic.json',
    bytes: 675,
    sha256: 'b03d794f10b75822ef5299a30c8d49e25c71a02c39952d09809809b3b46c9433',
  },
  {
    path: 'lgn/model_templates/sOFF_TF8_3.5_-2.0_10.0_60.0_15.0_ic.json',
    url: 'https://raw.githubusercontent.com/AllenInstitute/biorealistic-v1-model/330276625b95462710bc57791b6e8b077d2f0ff6/base_props/filter_components/model_templates/sOFF_TF8_3.5_-2.0_10.0_60.0_15.0_ic.json',
    bytes: 671,
    sha256: '45c1070fa428c65eacab3ccddb01d70a47788f3a0ba6af4a0917b9e90328ac31',
  },
  {
    path: 'lgn/model_templates/sON_TF1_3.5_-2.0_50.0_140.0_15.0_ic.json',
    url: 'https://raw.githubusercontent.com/AllenInstitute/biorealistic-v1-model/330276625b95462710bc57791b6e8b077d2f0ff6/base_props/filter_components/model_templates/sON_TF1_3.5_-2.0_50.0_140.0_15.0_ic.json',
    bytes: 676,
    sha256: '8b28e5e1c8419a0a97d184c0c1a01363241eec897ea85b29a48d511b2bb164cd',
  },
  {
    path: 'lgn/model_templates/sON_TF2_3.5_-2.0_50.0_140.0_5.0_ic.json',
    url: 'https://raw.githubusercontent.com/AllenInstitute/biorealistic-v1-model/330276625b95462710bc57791b6e8b077d2f0ff6/base_props/filter_components/model_templates/sON_TF2_3.5_-2.0_50.0_140.0_5.0_ic.json',
    bytes: 671,
    sha256: '15392fa44480983d8843fe119ce36ef9ce616e5a783c423b1ecddec4819ec7ff',
  },
  {
    path: 'lgn/model_templates/sON_TF4_3.5_-2.0_30.0_60.0_25.0_ic.json',
    url: 'https://raw.githubusercontent.com/AllenInstitute/biorealistic-v1-model/330276625b95462710bc57791b6e8b077d2f0ff6/base_props/filter_components/model_templates/sON_TF4_3.5_-2.0_30.0_60.0_25.0_ic.json',
    bytes: 667,
    sha256: '49a5d97804836582b3c0de2717cab459342e920180cd636c623f82f89e37c060',
  },
  {
    path: 'lgn/model_templates/sON_TF8_3.5_-2.0_10.0_20.0_25.0_ic.json',
    url: 'https://raw.githubusercontent.com/AllenInstitute/biorealistic-v1-model/330276625b95462710bc57791b6e8b077d2f0ff6/base_props/filter_components/model_templates/sON_TF8_3.5_-2.0_10.0_20.0_25.0_ic.json',
    bytes: 677,
    sha256: '5a124f71f9e50ba34c7c25333731b97d3987cc70f0a4d290ac6a375bf7b7e07c',
  },
  {
    path: 'lgn/model_templates/tOFF_TF15_3.44215357_-2.11509939_8.27421573_20.0_0.0_ic.json',
    url: 'https://raw.githubusercontent.com/AllenInstitute/biorealistic-v1-model/330276625b95462710bc57791b6e8b077d2f0ff6/base_props/filter_components/model_templates/tOFF_TF15_3.44215357_-2.11509939_8.27421573_20.0_0.0_ic.json',
    bytes: 692,
    sha256: '8cb3d604b12ad8908e8ab48fe3b202abbb7f201b2621b04249df873bd5612197',
  },
  {
    path: 'lgn/model_templates/tOFF_TF4_3.5_-2.0_30.0_60.0_15.0_ic.json',
    url: 'https://raw.githubusercontent.com/AllenInstitute/biorealistic-v1-model/330276625b95462710bc57791b6e8b077d2f0ff6/base_props/filter_components/model_templates/tOFF_TF4_3.5_-2.0_30.0_60.0_15.0_ic.json',
    bytes: 675,
    sha256: 'b5c7465a83a65a95ada9ffb81509a43be78ede4cd3064041a9b5af98fff08d4b',
  },
  {
    path: 'lgn/model_templates/tOFF_TF8_4.222_-2.404_8.545_23.019_0.0_ic.json',
    url: 'https://raw.githubusercontent.com/AllenInstitute/biorealistic-v1-model/330276625b95462710bc57791b6e8b077d2f0ff6/base_props/filter_components/model_templates/tOFF_TF8_4.222_-2.404_8.545_23.019_0.0_ic.json',
    bytes: 677,
    sha256: '50835aaff815f0b2f8dfc7cd37cdd61ff6907ae42918db70a48068b570369da5',
  },
  {
    path: 'lgn/model_templates/tON_TF15.json',
    url: 'https://raw.githubusercontent.com/AllenInstitute/biorealistic-v1-model/330276625b95462710bc57791b6e8b077d2f0ff6/base_props/filter_components/model_templates/tON_TF15.json',
    bytes: 692,
    sha256: '8cb3d604b12ad8908e8ab48fe3b202abbb7f201b2621b04249df873bd5612197',
  },
  {
    path: 'lgn/model_templates/tON_TF4.json',
    url: 'https://raw.githubusercontent.com/AllenInstitute/biorealistic-v1-model/330276625b95462710bc57791b6e8b077d2f0ff6/base_props/filter_components/model_templates/tON_TF4.json',
    bytes: 675,
    sha256: 'b5c7465a83a65a95ada9ffb81509a43be78ede4cd3064041a9b5af98fff08d4b',
  },
  {
    path: 'lgn/model_templates/tON_TF8.json',
    url: 'https://raw.githubusercontent.com/AllenInstitute/biorealistic-v1-model/330276625b95462710bc57791b6e8b077d2f0ff6/base_props/filter_components/model_templates/tON_TF8.json',
    bytes: 677,
    sha256: '50835aaff815f0b2f8dfc7cd37cdd61ff6907ae42918db70a48068b570369da5',
  },
  {
    path: 'licenses/LICENSE.V1_GLIF_model-Neuropixels_data.txt',
    url: 'https://raw.githubusercontent.com/JavierGalvan9/V1_GLIF_model/9f00cdc170274207658a2b38c658034c49e84b23/Neuropixels_data/LICENSE',
    bytes: 1481,
    sha256: 'c4e840aa9580378fbe79055af29ae531c7792393104eaac8dbe13859a981a94f',
  },
  {
    path: 'licenses/LICENSE.biorealistic-v1-model.txt',
    url: 'https://raw.githubusercontent.com/AllenInstitute/biorealistic-v1-model/330276625b95462710bc57791b6e8b077d2f0ff6/LICENSE',
    bytes: 1523,
    sha256: 'cc4a393c42927e77cb835ff88f7173f99abe047332152d27d4aa35b29823b88a',
  },
  {
    path: 'neuropixels/OSI_DSI_neuropixels_v4.csv',
    url: 'https://raw.githubusercontent.com/JavierGalvan9/V1_GLIF_model/9f00cdc170274207658a2b38c658034c49e84b23/Neuropixels_data/OSI_DSI_neuropixels_v4.csv',
    bytes: 297385,
    sha256: '78bbdeccead0f38e04a912d81b5e3407f86ecbbac64156ccc73fa6c0391cf669',
  },
];

/** The tables folder's derived files: computed from upstream inputs, not downloadable. */
export const V1_DERIVED_FILES: readonly string[] = [
  'derived/classes.csv',
  'derived/connection_17x17.csv',
  'derived/glif_config_classes.csv',
  'derived/glif_params_by_class.csv',
  'derived/glif_tau_syn_by_class.csv',
  'derived/lgn_params.csv',
  'derived/np_gratings_rates_by_class.csv',
  'derived/np_gratings_rates_summary.csv',
  'derived/pop_map.csv',
  'derived/pops_billeh21.csv',
  'derived/rates_by_class.csv',
  'derived/syn_weights_17x17.csv',
];

/**
 * Downloads every upstream file into `<cache>/v1/<path>` (or `<mirror>/v1/<path>` with a mirror), each written only
 * once its size and SHA-256 match; a file already there with the right SHA-256 is kept, one with another is refused.
 */
export async function downloadV1(env: DataEnv): Promise<{ dir: string; downloaded: string[] }> {
  if (env.offline) throw new NeuroplastError('v1: downloads are disabled (NEUROPLAST_OFFLINE=1)');
  const dir = join(env.cacheDir, 'v1');
  const downloaded: string[] = [];
  for (const f of V1_UPSTREAM_FILES) {
    const dest = join(dir, f.path);
    if (existsSync(dest)) {
      const found = await sha256File(dest);
      if (found !== f.sha256)
        throw new NeuroplastError(
          `${dest}: SHA-256 ${found}, expected ${f.sha256} (the manifest's); move it away to download it again`,
        );
      continue;
    }
    const url = env.mirror ? `${env.mirror.replace(/\/$/, '')}/v1/${f.path}` : f.url;
    await downloadVerified(url, dest, { sha256: f.sha256, bytes: f.bytes }, env.download);
    downloaded.push(f.path);
  }
  return { dir, downloaded };
}
