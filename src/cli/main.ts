import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describeSystemError, NeuroplastError } from '../util/errors.js';
import {
  datasetInfo,
  datasetNames,
  getDatasetSpec,
  dataEnvFromProcess,
  inspectDataFile,
} from '../data/index.js';
import { getTaskKind, reportRun, runExperiment, type RunResult } from '../experiments/index.js';
import { BENCHES, type BenchArgs } from '../bench/index.js';
import { startQueueWorker } from '../evolution/index.js';
import {
  buildV1Column,
  describeColumn,
  describeV1Model,
  describeV1Sonata,
  exportV1Sonata,
  type ColumnDescription,
  downloadV1,
  exportBrian2,
  loadV1Tables,
  V1_DERIVED_FILES,
  V1_UPSTREAM_FILES,
} from '../cortex/index.js';
import {
  compareRuns,
  listFigures,
  listSeries,
  plotFigure,
  plotRuns,
  plotViews,
  startDashboard,
} from '../dashboard/index.js';
import { PACKAGE_ROOT, VERSION } from '../version.js';
import {
  buildSonataNetwork,
  describeCircuit,
  exportSonata,
  loadConfig,
  readCircuit,
} from '../sonata/index.js';
import { loadNetwork, saveNetwork } from '../spiking/index.js';

function parseSeed(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isInteger(n) || n > 0xffffffff) {
    throw new InvalidArgumentError(`expected an integer in [0, 4294967295], found "${v}"`);
  }
  return n;
}

function parsePort(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 65535)
    throw new InvalidArgumentError(`expected a port in [0, 65535], found "${v}"`);
  return n;
}

/** Serves the dashboard until SIGINT or SIGTERM. */
async function serveDashboard(
  dirs: string[],
  o: { port?: number; host?: string; token?: string },
  before?: () => Promise<void>,
): Promise<void> {
  const d = await startDashboard({ dirs, port: o.port ?? DASHBOARD_PORT, host: o.host, token: o.token });
  console.log(`dashboard: ${d.openUrl}`);
  const stopped = new Promise<void>((ok) => {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => ok());
  });
  let failure: unknown = null;
  try {
    if (before) {
      try {
        await before();
        console.log('dashboard: still serving the finished run (Ctrl-C to stop)');
      } catch (err) {
        // The failed run stays on view; its error is reported when the dashboard stops.
        failure = err;
        console.error(
          `neuroplast: the run failed: ${(err as Error).message}; dashboard still serving (Ctrl-C to stop)`,
        );
      }
    }
    await stopped;
  } finally {
    await d.close();
  }
  if (failure) throw failure;
}

/** The dashboard's default port (TensorBoard's is 6006). */
const DASHBOARD_PORT = 6160;

/** The options of a command that serves the dashboard (`dashboard`, and `run` with `--dashboard`). */
function dashboardOptions(cmd: Command, prefix = ''): Command {
  return cmd
    .option('--port <n>', `${prefix}dashboard port (default ${DASHBOARD_PORT}; 0: any free port)`, parsePort)
    .option('--host <address>', `${prefix}dashboard address (default 127.0.0.1; any other needs a token)`)
    .option(
      '--token <secret>',
      `${prefix}the token a non-loopback dashboard asks for (default: a random one, printed)`,
    );
}

function parseSmoothing(v: string): number {
  const n = Number(v);
  if (!(n >= 0 && n < 1)) throw new InvalidArgumentError(`expected a weight in [0, 1), found "${v}"`);
  return n;
}

function parsePositiveInt(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n <= 0) throw new InvalidArgumentError(`expected a positive integer, found "${v}"`);
  return n;
}

function parsePositiveNumber(v: string): number {
  const n = Number(v);
  if (!(Number.isFinite(n) && n > 0))
    throw new InvalidArgumentError(`expected a positive number, found "${v}"`);
  return n;
}

function printRunResult(r: RunResult): void {
  for (const line of getTaskKind(r.kind).describe(r.summary)) console.log(line);
  console.log(`run directory: ${r.runDir}`);
  console.log(`report: ${r.reportPath}`);
}

/** A run either starts from a file (with --out, --seed, --quick) or resumes a directory that holds them. */
function checkRunArguments(
  command: string,
  experiment: string | undefined,
  o: { resume?: string; out?: string; seed?: number; quick?: boolean },
): void {
  if (o.resume && (experiment || o.out || o.seed !== undefined || o.quick))
    throw new NeuroplastError(
      `${command}: --resume DIR takes no experiment file, --out, --seed or --quick (they come from DIR)`,
      2,
    );
  if (!o.resume && !experiment)
    throw new NeuroplastError(`${command}: missing experiment file (or --resume DIR)`, 2);
}

export const QUICKSTART_EXPERIMENT = join(PACKAGE_ROOT, 'experiments', 'quickstart.yaml');

function buildProgram(): Command {
  const program = new Command('neuroplast')
    .description('Neuroplasticity-inspired learning in TypeScript')
    .version(VERSION);

  const run = program
    .command('run')
    .description('run an experiment file into a run directory (the main job)')
    .argument('[experiment]', 'experiment YAML file')
    .option('--out <dir>', 'run directory (default: runs/<name>-<time>)')
    .option('--seed <n>', 'override the experiment seed', parseSeed)
    .option('--resume <dir>', 'continue a killed run from its last checkpoint')
    .option(
      '--allow-config-change',
      "with --resume: continue although DIR's config.json changed since the run started",
    )
    .option('--quick', "run a grid experiment's reduced grid (its grid.quick settings)")
    .option('--quiet', 'no progress output')
    .option(
      '--jobs <n>',
      'grid cells run at once, each on one thread (default: one per core, 2 GiB of free memory each)',
      parsePositiveInt,
    )
    .option(
      '--dashboard',
      'serve the live dashboard over the run directory (or runs/) while it runs, and after',
    );
  dashboardOptions(run, 'with --dashboard: ').action(
    async (
      experiment: string | undefined,
      o: {
        out?: string;
        seed?: number;
        resume?: string;
        quiet?: boolean;
        quick?: boolean;
        jobs?: number;
        allowConfigChange?: boolean;
        dashboard?: boolean;
        port?: number;
        host?: string;
        token?: string;
      },
    ) => {
      if (o.allowConfigChange && !o.resume)
        throw new NeuroplastError('run: --allow-config-change goes with --resume DIR', 2);
      checkRunArguments('run', experiment, o);
      if (!o.dashboard && (o.port !== undefined || o.host || o.token))
        throw new NeuroplastError('run: --port, --host and --token go with --dashboard', 2);
      const go = async () =>
        printRunResult(
          await runExperiment({
            experimentPath: experiment,
            outDir: o.out,
            resumeDir: o.resume,
            seed: o.seed,
            quiet: o.quiet,
            quick: o.quick,
            jobs: o.jobs,
            allowConfigChange: o.allowConfigChange,
          }),
        );
      if (!o.dashboard) return go();
      // The run directory itself (found once the run creates it), or the default folder of runs.
      await serveDashboard([resolve(o.resume ?? o.out ?? 'runs')], o, go);
    },
  );

  program
    .command('evolve')
    .description(
      'run an evolution experiment (ask/tell search of plasticity rules or a benchmark) into a run directory',
    )
    .argument('[experiment]', 'evolution experiment YAML file')
    .option('--out <dir>', 'run directory (default: runs/<name>-<time>)')
    .option('--seed <n>', 'override the experiment seed', parseSeed)
    .option('--resume <dir>', 'continue a killed run from its last generation')
    .option('--quick', "run the experiment's quick form (a few generations)")
    .option('--quiet', 'no progress output')
    .option('--workers <n>', 'worker threads evaluating candidates (default: one per core)', parsePositiveInt)
    .option(
      '--queue <url>',
      'evaluate through a Redis queue (redis://HOST:PORT) served by `neuroplast worker`',
    )
    .action(
      async (
        experiment: string | undefined,
        o: {
          out?: string;
          seed?: number;
          resume?: string;
          quick?: boolean;
          quiet?: boolean;
          workers?: number;
          queue?: string;
        },
      ) => {
        checkRunArguments('evolve', experiment, o);
        printRunResult(
          await runExperiment({
            experimentPath: experiment,
            outDir: o.out,
            resumeDir: o.resume,
            seed: o.seed,
            quiet: o.quiet,
            quick: o.quick,
            jobs: o.workers ?? availableParallelism(),
            evaluationQueue: o.queue,
            taskKind: { kinds: ['evolution', 'v1-rules'], command: 'neuroplast evolve' },
          }),
        );
      },
    );

  program
    .command('worker')
    .description(
      'evaluate jobs from a Redis queue for `neuroplast evolve --queue` (on any number of machines)',
    )
    .requiredOption('--queue <url>', 'the Redis queue (redis://HOST:PORT)')
    .option(
      '--threads <n>',
      'evaluations at once, each on a worker thread (default: one per core)',
      parsePositiveInt,
    )
    .option('--lock-ms <n>', "a job's lock, renewed while it runs (default 30000)", parsePositiveInt)
    .option('--verbose', 'print a line per evaluation and reconnection')
    .action(async (o: { queue: string; threads?: number; lockMs?: number; verbose?: boolean }) => {
      const stop = await startQueueWorker({
        url: o.queue,
        threads: o.threads ?? availableParallelism(),
        lockMs: o.lockMs,
        onEvent: (e) => {
          if (e.kind === 'failed') console.error(`job ${e.id} failed: ${e.reason}`);
          else if (o.verbose)
            console.log(e.kind === 'evaluated' ? `evaluated ${e.id}` : 'reconnected to Redis');
        },
      });
      console.log(`worker serving ${o.queue}`);
      await new Promise<void>((resolve) => {
        for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => resolve());
      });
      await stop();
    });

  program
    .command('quickstart')
    .description('train the bundled default experiment (an MLP on real MNIST) and print its test accuracy')
    .option('--out <dir>', 'run directory')
    .option('--seed <n>', 'override the seed', parseSeed)
    .option('--quiet', 'no progress output')
    .action(async (o: { out?: string; seed?: number; quiet?: boolean }) => {
      console.log(`neuroplast ${VERSION} quickstart: ${QUICKSTART_EXPERIMENT}`);
      printRunResult(
        await runExperiment({
          experimentPath: QUICKSTART_EXPERIMENT,
          outDir: o.out,
          seed: o.seed,
          quiet: o.quiet,
        }),
      );
    });

  const data = program.command('data').description('datasets: info, inspect, download');
  data
    .command('list')
    .description('list known datasets')
    .action(() => {
      for (const n of datasetNames()) console.log(`${n}\t${getDatasetSpec(n).title}`);
    });
  data
    .command('info')
    .description('load a dataset and print its real counts, shape, classes and source')
    .argument('<name>', `dataset (${datasetNames().join(', ')})`)
    .option('--json', 'print JSON')
    .action(async (name: string, o: { json?: boolean }) => {
      getDatasetSpec(name);
      const info = await datasetInfo(name);
      if (o.json) console.log(JSON.stringify(info));
      else {
        console.log(
          `${info.name}: train ${info.train}, test ${info.test}, shape [${info.shape.join(', ')}], ${info.classes.length} classes`,
        );
        console.log(`source: ${info.source}`);
        for (const n of info.notes) console.log(`note: ${n}`);
      }
    });
  data
    .command('inspect')
    .description('read any IDX or CIFAR binary file and say what it is, or exactly why it is invalid')
    .argument('<file>', 'IDX (.gz or raw) or CIFAR .bin file')
    .option('--json', 'print JSON')
    .action(async (file: string, o: { json?: boolean }) => {
      const r = await inspectDataFile(file);
      if (o.json) console.log(JSON.stringify(r));
      else {
        console.log(
          `${r.file}: ${r.format}${r.gzip ? ' (gzip)' : ''}, ${r.kind}, dtype ${r.dtype}, dims ${r.dims.join('x')}`,
        );
        if (r.labelCounts) console.log(`label counts: ${r.labelCounts.join(' ')}`);
      }
    });
  data
    .command('download')
    .description(
      "download a dataset (or v1: the V1 tables' upstream files) into the cache, verifying SHA-256",
    )
    .argument('<name>', 'dataset name, or v1')
    .option('--mirror <url>', 'base URL to fetch <url>/<name>/<file> from instead of upstream')
    .action(async (name: string, o: { mirror?: string }) => {
      const env = dataEnvFromProcess();
      if (o.mirror) env.mirror = o.mirror;
      if (name === 'v1') {
        const { dir, downloaded } = await downloadV1({ ...env, offline: false });
        console.log(
          `v1: ${V1_UPSTREAM_FILES.length} upstream files verified in ${dir} (${downloaded.length} downloaded); ` +
            `the ${V1_DERIVED_FILES.length} derived tables must be rebuilt from them (docs/cortex.md, "Tables elsewhere")`,
        );
        return;
      }
      const dir = await getDatasetSpec(name).download({ ...env, offline: false });
      console.log(`${name}: verified files in ${dir}`);
    });

  const sonata = program
    .command('sonata')
    .description('SONATA networks (the format of BMTK and NEST): import, export');
  sonata
    .command('import')
    .description(
      'read a SONATA circuit or simulation config, check it, build it as a network and print its counts per node type and per type pair (run a simulation config with: neuroplast run CONFIG.json)',
    )
    .argument('<config>', 'circuit or simulation config (JSON)')
    .option('--dt <ms>', "time step to build at (default: the config's run.dt, else 0.1)", parseFloat)
    .option('--save <dir>', 'save the built network (neuroplast network format) into DIR')
    .option('--json', 'print one JSON object')
    .action(async (config: string, o: { dt?: number; save?: string; json?: boolean }) => {
      const resolved = loadConfig(config, 'SONATA config');
      const circuit = await readCircuit(resolved);
      const run = resolved.json.run as { dt?: unknown } | undefined;
      const dt = o.dt ?? (typeof run?.dt === 'number' ? run.dt : 0.1);
      if (!(dt > 0))
        throw new NeuroplastError(`sonata import: --dt expected a positive number of ms, found ${o.dt}`, 2);
      const built = buildSonataNetwork(circuit, dt);
      if (o.save) await saveNetwork(built.network, o.save);
      const d = describeCircuit(circuit);
      if (o.json) return console.log(JSON.stringify(d));
      console.log(
        `${d.config}: built at dt ${dt} ms, ${built.network.groups.length} groups, ${built.network.connections.length} projections`,
      );
      for (const p of d.populations)
        console.log(
          `${p.population}: ${p.size} nodes; ` +
            p.types.map((t) => `type ${t.id} ${t.model} x ${t.count}`).join(', '),
        );
      for (const e of d.edges) {
        console.log(
          `${e.population} (${e.source} -> ${e.target}): ${e.count} edges, ${e.nsyns} synapses, delays ${e.delaysMs.join(', ')} ms`,
        );
        for (const p of e.pairs)
          console.log(
            `  ${p.sourceType} -> ${p.targetType}: ${p.count} edges, ${p.nsyns} synapses, weight sum ${p.weightSum}`,
          );
      }
      if (o.save) console.log(`saved: ${o.save}`);
    });

  sonata
    .command('export')
    .description(
      'write a network as SONATA for BMTK and NEST: a saved neuroplast network (--network DIR) or the V1 model (--v1)',
    )
    .argument(
      '<dir>',
      'output directory (config.circuit.json, config.simulation.json, network/, components/)',
    )
    .option('--network <saved>', 'a network saved by neuroplast (saveNetwork, sonata import --save)')
    .option('--v1', 'the mouse-V1 model built from the tables')
    .addOption(
      new Option('--neurons <n>', 'with --v1: total neurons').argParser(parsePositiveInt).default(5000),
    )
    .addOption(new Option('--seed <n>', 'with --v1: seed of the build').argParser(parseSeed).default(0))
    .option('--tables <dir>', 'with --v1: read the V1 tables from DIR')
    .option('--tstop <ms>', 'run.tstop of the simulation config written (default 1000)', parseFloat)
    .option(
      '--silent-inputs',
      'write Poisson inputs as silent virtual nodes, not as a sample of their spikes',
    )
    .action(
      async (
        dir: string,
        o: {
          network?: string;
          v1?: boolean;
          neurons: number;
          seed: number;
          tables?: string;
          tstop?: number;
          silentInputs?: boolean;
        },
      ) => {
        const written = { tstopMs: o.tstop, poissonSpikes: !o.silentInputs, seed: o.seed };
        if (!!o.network === !!o.v1)
          throw new NeuroplastError('sonata export: give one of --network DIR and --v1', 2);
        let result;
        if (o.v1) {
          const tables = await loadV1Tables({ dir: o.tables });
          const column = buildV1Column(tables, { neurons: o.neurons, seed: o.seed });
          result = await exportV1Sonata(describeV1Model(tables, column), dir, tables.source, written);
        } else {
          result = await exportSonata(await loadNetwork(o.network!), dir, written);
        }
        console.log(`${result.nodes} nodes, ${result.edges} edges written; circuit: ${result.circuitConfig}`);
        console.log(`run it: neuroplast run ${result.simulationConfig}`);
        for (const n of result.notes) console.log(`note: ${n}`);
      },
    );

  const v1 = program.command('v1').description('the mouse-V1-like cortical model: describe');
  v1.command('describe')
    .description('build the column and print its classes (count per class) and mean in-degree per class pair')
    .addOption(
      new Option('--neurons <n>', 'total neurons (about 1k to 230k)')
        .argParser(parsePositiveInt)
        .default(5000),
    )
    .addOption(new Option('--seed <n>', 'seed of the build').argParser(parseSeed).default(0))
    .option(
      '--tables <dir>',
      'read the V1 tables from DIR (default: ../shared/v1, $NEUROPLAST_SHARED/v1, ...)',
    )
    .option('--json', 'print one JSON object')
    .option(
      '--sonata <config>',
      'describe a V1 model exported as SONATA (neuroplast sonata export DIR --v1) instead of building one',
    )
    .action(
      async (o: { neurons: number; seed: number; tables?: string; json?: boolean; sonata?: string }) => {
        let d: ColumnDescription;
        let source: string;
        if (o.sonata) {
          const { tables, ...rest } = describeV1Sonata(
            await readCircuit(loadConfig(o.sonata, 'SONATA config')),
          );
          d = rest;
          source = tables;
        } else {
          const tables = await loadV1Tables({ dir: o.tables });
          d = describeColumn(buildV1Column(tables, { neurons: o.neurons, seed: o.seed }));
          source = tables.source;
        }
        if (o.json) return console.log(JSON.stringify(d));
        console.log(
          `${d.neurons} neurons in a ${d.radiusUm} um disk, ${d.synapses} connections; tables: ${source}`,
        );
        for (const c of d.classes) console.log(`${c.name.padEnd(11)} ${c.ei} ${c.count}`);
        for (const p of d.pathways)
          console.log(`${p.pre} -> ${p.post}: mean in-degree ${p.meanInDegree} (core ${p.coreInDegree})`);
      },
    );

  v1.command('export')
    .description(
      'write the V1 model as a standalone Brian2 script with its data (run it with python3 DIR/run_brian2.py)',
    )
    .argument('<dir>', 'output directory')
    .option('--brian2', 'the format (Brian2, the only one so far)')
    .addOption(new Option('--neurons <n>', 'total neurons').argParser(parsePositiveInt).default(5000))
    .addOption(new Option('--seed <n>', 'seed of the build').argParser(parseSeed).default(0))
    .option('--tables <dir>', 'read the V1 tables from DIR')
    .action(
      async (
        dir: string,
        o: {
          brian2?: boolean;
          neurons: number;
          seed: number;
          method: 'exact' | 'exponential_euler';
          tables?: string;
        },
      ) => {
        if (!o.brian2) throw new NeuroplastError('v1 export: name the format (--brian2)', 2);
        const tables = await loadV1Tables({ dir: o.tables });
        const column = buildV1Column(tables, { neurons: o.neurons, seed: o.seed });
        const model = describeV1Model(tables, column);
        const { files } = await exportBrian2(model, dir);
        console.log(
          `${files.length} files in ${dir}; run: python3 ${join(dir, 'run_brian2.py')} standalone SECONDS`,
        );
      },
    );

  program
    .command('bench')
    .description(`run a benchmark (${Object.keys(BENCHES).join(', ')})`)
    .argument('<name>', 'benchmark name, or "all"')
    .option('--json', 'print one JSON object')
    .addOption(new Option('--n <size>', 'problem size').argParser(parsePositiveInt))
    .addOption(
      new Option(
        '--seconds <s>',
        'simulated seconds (coba, cuba); timing budget (optim-step, continual)',
      ).argParser(parsePositiveNumber),
    )
    .addOption(new Option('--neurons <n>', 'excitatory neurons (diehl-cook)').argParser(parsePositiveInt))
    .addOption(new Option('--train <n>', 'training images (diehl-cook)').argParser(parsePositiveInt))
    .addOption(new Option('--test <n>', 'test images (diehl-cook)').argParser(parsePositiveInt))
    .action(async (name: string, o: { json?: boolean } & BenchArgs) => {
      const names = name === 'all' ? Object.keys(BENCHES) : [name];
      const results: Record<string, unknown> = {};
      for (const b of names) {
        const bench = BENCHES[b];
        if (!bench)
          throw new NeuroplastError(
            `unknown benchmark "${b}" (known: ${Object.keys(BENCHES).join(', ')}, all)`,
            2,
          );
        results[b] = await bench.run(o);
      }
      const out = name === 'all' ? results : results[name];
      console.log(o.json ? JSON.stringify(out) : JSON.stringify(out, null, 2));
    });

  dashboardOptions(
    program
      .command('dashboard')
      .description(
        'serve a live dashboard over run directories, or folders searched for runs (default: runs)',
      )
      .argument('[dirs...]', 'run directories or folders of runs'),
  ).action(async (dirs: string[], o: { port?: number; host?: string; token?: string }) => {
    const list = dirs.length ? dirs : ['runs'];
    for (const d of list)
      if (!existsSync(d)) throw new NeuroplastError(`dashboard: ${d}: no such directory`, 2);
    await serveDashboard(list, o);
  });

  program
    .command('plot')
    .description(
      "writes a dashboard view's figure of a run for papers: a chart as SVG (scalars: runs overlaid), a picture as SVG or PNG",
    )
    .argument('<args...>', `the view (${plotViews().join(', ')}) and run directories, in either order`)
    .option('--key <series>', 'scalars: the series, as the dashboard names it (e.g. "type=train loss")')
    .option('--figure <name>', 'other views: which figure, named as the page names its export (see --list)')
    .option(
      '--list',
      "print the view's figures for the run, with what each shows (scalars: the series, points per run)",
    )
    .option('--out <file>', 'the file to write (.svg, or .png for pictures drawn as PNG)')
    .option('--smoothing <w>', 'scalars: exponential smoothing weight in [0, 1)', parseSmoothing)
    .option('--width <px>', 'chart width (scalars: also the number of min/max buckets)', parsePositiveInt)
    .option('--height <px>', 'chart height', parsePositiveInt)
    .option(
      '--group-by <field>',
      'scalars: a config field (e.g. "optimizer.name"): per value a mean curve with a ± sd band',
    )
    .action(
      async (
        args: string[],
        o: {
          key?: string;
          figure?: string;
          list?: boolean;
          out?: string;
          smoothing?: number;
          width?: number;
          height?: number;
          groupBy?: string;
        },
      ) => {
        const known = plotViews();
        // `plot VIEW DIR...` as before, or `plot DIR VIEW` as the issue writes it.
        const at = known.includes(args[0]) ? 0 : known.includes(args[args.length - 1]) ? args.length - 1 : -1;
        if (at < 0 || args.length < 2)
          throw new NeuroplastError(
            `plot: expected a view (${known.join(', ')}) and run directories, found ${args.join(' ')}`,
            2,
          );
        const view = args[at];
        const dirs = args.filter((_, i) => i !== at);
        for (const d of dirs)
          if (!existsSync(d)) throw new NeuroplastError(`plot: ${d}: no such directory`, 2);
        if (view === 'scalars' && o.list) {
          for (const [key, points] of await listSeries(dirs)) console.log(`${key}\t${points.join('\t')}`);
          return;
        }
        if (view === 'scalars') {
          if (o.key === undefined || o.out === undefined)
            throw new NeuroplastError('plot scalars: expected --key SERIES and --out FILE.svg', 2);
          const drawn = await plotRuns(dirs, view, { ...o, key: o.key, out: o.out });
          for (const [line, n] of Object.entries(drawn)) console.log(`${line}: ${n} points`);
          console.log(`plot: ${o.out}`);
          return;
        }
        if (dirs.length !== 1)
          throw new NeuroplastError(
            `plot ${view}: expected one run directory, found ${dirs.length} (only scalars overlays runs)`,
            2,
          );
        if (o.list) {
          for (const f of await listFigures(dirs[0], view))
            console.log(`${f.name}\t${f.format}\t${f.caption}`);
          return;
        }
        if (o.out === undefined)
          throw new NeuroplastError(`plot ${view}: expected --out FILE (or --list)`, 2);
        const r = await plotFigure(dirs[0], view, { ...o, out: o.out });
        console.log(`plot: ${r.name} (${r.format}, ${r.bytes} bytes): ${o.out}`);
      },
    );

  program
    .command('report')
    .description(
      "(re)write the self-contained HTML report of a run directory (an unfinished grid's: from its finished runs); with several, one report comparing them (--out)",
    )
    .argument('<runDirs...>', 'run directory, or several to compare')
    .option(
      '--json',
      "print the run's summary as one JSON object (an unfinished grid's: from its finished runs)",
    )
    .option('--out <file.html>', 'where the comparison of several runs is written')
    .option(
      '--smoothing <w>',
      "the comparison's curves smoothed as the dashboard does, in [0, 1)",
      parseSmoothing,
    )
    .action(async (dirs: string[], o: { json?: boolean; out?: string; smoothing?: number }) => {
      if (dirs.length > 1) {
        if (o.json) throw new NeuroplastError('report: --json is for one run directory', 2);
        if (!o.out) throw new NeuroplastError('report: comparing runs needs --out FILE.html', 2);
        const r = await compareRuns(dirs, { out: o.out, smoothing: o.smoothing ?? 0 });
        console.log(
          `${r.runs} runs, ${r.differingConfig} config fields differ, ${r.charts} shared metrics drawn`,
        );
        console.log(`report: ${o.out}`);
        return;
      }
      if (o.out || o.smoothing !== undefined)
        throw new NeuroplastError('report: --out and --smoothing are for comparing two or more runs', 2);
      const dir = dirs[0];
      const r = await reportRun(dir);
      for (const w of r.warnings) console.error(`neuroplast: warning: ${w}`);
      if (o.json) {
        if (!r.summary)
          throw new NeuroplastError(
            `--json: ${dir} has no summary yet and no finished parts to summarise`,
            2,
          );
        console.log(JSON.stringify(r.summary));
        return;
      }
      for (const line of r.lines) console.log(line);
      console.log(`report: ${r.reportPath}`);
    });

  for (const cmd of [program, ...program.commands, ...data.commands]) {
    cmd.exitOverride();
    cmd.configureOutput({
      outputError: (str, write) => write(`neuroplast: ${str.trim().replace(/\s*\n\s*/g, ' ')}\n`),
    });
  }
  return program;
}

let handlersInstalled = false;

/**
 * Once per process: a closed pipe (`neuroplast run x.yaml | head -1`) ends our output quietly, never the run (later
 * writes to the closed stream are dropped), and warnings (a stale lock taken over, a resume on other kernels) print
 * as one line each, like errors.
 */
function installProcessHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  for (const stream of [process.stdout, process.stderr])
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
    });
  process.removeAllListeners('warning');
  process.on('warning', (w) => console.error(`neuroplast: warning: ${w.message}`));
}

/** Runs the CLI; returns the exit code. Errors print one line naming the problem. */
export async function main(argv: string[]): Promise<number> {
  installProcessHandlers();
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; parse errors were already printed by commander.
      return err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version' ||
        err.code === 'commander.help'
        ? 0
        : err.exitCode || 2;
    }
    if (err instanceof NeuroplastError) {
      console.error(`neuroplast: error: ${err.message}`);
      return err.exitCode;
    }
    const system = describeSystemError(err);
    if (system) {
      console.error(`neuroplast: error: ${system}`);
      return 1;
    }
    throw err;
  }
}
