using System.Collections.Concurrent;
using System.Diagnostics;
using ProcessFarm.Coordinator.Cli;
using ProcessFarm.Coordinator.Execution;
using ProcessFarm.Coordinator.Workers;
using ProcessFarm.Shared.Imaging;
using ProcessFarm.Shared.Native;
using ProcessFarm.Shared.Protocol;

namespace ProcessFarm.Coordinator.Processing;

/// <summary>How a batch spreads its files over the mode's threads or workers.</summary>
internal enum BatchStrategy
{
    /// <summary>
    /// Whole files: each thread or worker decodes, processes and encodes its own file. In pipe and shm modes only
    /// the paths travel (the article's "send the data's location instead of the data").
    /// </summary>
    Files,

    /// <summary>One file after another, each streamed strip by strip through the mode, as a single <c>process</c> would.</summary>
    Strips,
}

/// <summary><c>process INPUT... -o OUTDIR</c>: many files, per-file errors reported and skipped.</summary>
internal sealed class BatchRunner
{
    private readonly BatchRequest _request;
    private readonly IExecutionEngine _engine;
    private readonly BatchFileResult?[] _results;
    private readonly Lock _progressLock = new();
    private Action<string> _progress = static _ => { };
    private int _completed;

    private BatchRunner(BatchRequest request, IExecutionEngine engine)
    {
        _request = request;
        _engine = engine;
        _results = new BatchFileResult?[request.Files.Count];
    }

    public static async Task<BatchReport> RunAsync(BatchRequest request, IExecutionEngine engine, TextWriter progress, CancellationToken cancellationToken)
    {
        var runner = new BatchRunner(request, engine);
        long started = Stopwatch.GetTimestamp();
        await Terminal.RunWithProgressAsync(progress, $"{request.Files.Count} files, {engine.Mode.Name()}", request.Files.Count, async step =>
        {
            runner._progress = step;
            await runner.RunAsync(cancellationToken);
        });
        double wallMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return new BatchReport(engine.Mode.Name(), engine.Workers, request.Strategy, request.OutputDirectory, [.. runner._results.Select(r => r!)], wallMs,
            engine is WorkerEngine { Pool: { } pool } ? pool.StartupMs : 0);
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        if (_request.Strategy == BatchStrategy.Strips)
        {
            await RunStripsAsync(cancellationToken);
        }
        else if (_engine is WorkerEngine workers)
        {
            await workers.StartAsync(cancellationToken);
            await new FileDispatch(this, workers.Pool!, cancellationToken).RunAsync();
        }
        else
        {
            RunFilesOnThreads(cancellationToken);
        }
    }

    /// <summary>Strips: each file is one streamed <c>process</c> run on the shared engine (warm pool, one region at a time).</summary>
    private async Task RunStripsAsync(CancellationToken cancellationToken)
    {
        for (int i = 0; i < _request.Files.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (input, output) = _request.Files[i];
            long started = Stopwatch.GetTimestamp();
            try
            {
                var report = await ProcessRunner.RunAsync(new ProcessRequest(input, output, _request.Parameters, null, _request.Quality, _request.MaxPixels, SampleImage.DefaultGeometry), _engine, cancellationToken);
                Complete(i, BatchFileResult.Succeeded(input, output, report.Width, report.Height, Stopwatch.GetElapsedTime(started).TotalMilliseconds));
            }
            catch (CommandLineException e) when (e.ExitCode == ExitCode.InputError)
            {
                Complete(i, BatchFileResult.Failed(input, output, e.Message, Stopwatch.GetElapsedTime(started).TotalMilliseconds));
            }
        }
    }

    /// <summary>Files on threads: N dedicated threads, each taking the next file and doing all of it.</summary>
    private void RunFilesOnThreads(CancellationToken cancellationToken)
    {
        var lut = LookupTable.Create(_request.Parameters);
        int next = -1;
        var threads = Enumerable.Range(0, Math.Min(_engine.Workers, _request.Files.Count)).Select(t => new Thread(() =>
        {
            int i;
            while (!cancellationToken.IsCancellationRequested && (i = Interlocked.Increment(ref next)) < _request.Files.Count)
            {
                var (input, output) = _request.Files[i];
                long started = Stopwatch.GetTimestamp();
                try
                {
                    var done = ImageFile.Transform(input, output, lut, _request.Quality, _request.MaxPixels);
                    Complete(i, BatchFileResult.Succeeded(input, output, done.Geometry.Width, done.Geometry.Height, Stopwatch.GetElapsedTime(started).TotalMilliseconds));
                }
                catch (Exception e) when (ImageFile.DescribeTransformFailure(e) is { } problem)
                {
                    Complete(i, BatchFileResult.Failed(input, output, problem, Stopwatch.GetElapsedTime(started).TotalMilliseconds));
                }
            }
        })
        { IsBackground = true, Name = $"batch-{t}" }).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        cancellationToken.ThrowIfCancellationRequested();
    }

    private void Complete(int index, BatchFileResult result)
    {
        _results[index] = result;
        int done = Interlocked.Increment(ref _completed);
        lock (_progressLock)
        {
            _progress($"[{done}/{_results.Length}] {Path.GetFileName(result.Input)}{(result.Ok ? string.Empty : " FAILED: " + result.Error)}");
        }
    }

    /// <summary>
    /// Files over the worker pool: one file job per worker at a time (a file is hundreds of milliseconds of work,
    /// so one in flight keeps a worker busy). A bad file is that file's error; a worker that dies fails the file it
    /// held and is replaced (up to the pool's restart budget) so the rest of the batch goes on.
    /// </summary>
    private sealed class FileDispatch(BatchRunner batch, WorkerPool pool, CancellationToken cancellationToken) : IReplyHandler
    {
        private readonly ConcurrentQueue<int> _queue = new(Enumerable.Range(0, batch._request.Files.Count));
        private readonly ConcurrentDictionary<WorkerConnection, (int Index, long Started)> _current = new();
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _remaining = batch._request.Files.Count;
        private int _alive;
        private int _replacements;

        public async Task RunAsync()
        {
            foreach (var worker in pool.Workers)
            {
                Interlocked.Increment(ref _alive);
                worker.SetHandler(this);
            }
            foreach (var worker in pool.Workers)
            {
                SendNext(worker);
            }
            await _done.Task.WaitAsync(cancellationToken);
        }

        public void OnResult(WorkerConnection worker, in JobResult result)
        {
            if (!_current.TryRemove(worker, out var job))
            {
                return;
            }
            var (input, output) = batch._request.Files[job.Index];
            var (width, height) = ReadSize(result);
            Finish(job.Index, BatchFileResult.Succeeded(input, output, width, height, Stopwatch.GetElapsedTime(job.Started).TotalMilliseconds));
            SendNext(worker);
        }

        public void OnError(WorkerConnection worker, ErrorMessage error)
        {
            if (!_current.TryRemove(worker, out var job))
            {
                return;
            }
            var (input, output) = batch._request.Files[job.Index];
            Finish(job.Index, BatchFileResult.Failed(input, output, error.Message, Stopwatch.GetElapsedTime(job.Started).TotalMilliseconds));
            SendNext(worker);
        }

        public void OnDisconnected(WorkerConnection worker, Exception? error)
        {
            if (_done.Task.IsCompleted || cancellationToken.IsCancellationRequested)
            {
                return;
            }
            if (_current.TryRemove(worker, out var job))
            {
                var (input, output) = batch._request.Files[job.Index];
                Finish(job.Index, BatchFileResult.Failed(input, output, $"worker {worker.WorkerId} died while processing it{worker.ExitDescription}", Stopwatch.GetElapsedTime(job.Started).TotalMilliseconds));
            }
            if (Interlocked.Increment(ref _replacements) <= batch._request.MaxRestarts)
            {
                _ = ReplaceAsync(worker);
            }
            else if (Interlocked.Decrement(ref _alive) == 0)
            {
                _done.TrySetException(new WorkerFailedException($"every worker failed (last: worker {worker.WorkerId}{worker.ExitDescription}); gave up after {batch._request.MaxRestarts} replacements"));
            }
        }

        private async Task ReplaceAsync(WorkerConnection failed)
        {
            try
            {
                var replacement = await pool.ReplaceAsync(failed, cancellationToken);
                replacement.SetHandler(this);
                SendNext(replacement);
            }
            catch (Exception e) when (e is WorkerFailedException or OperationCanceledException or ObjectDisposedException or CommandLineException)
            {
                if (Interlocked.Decrement(ref _alive) == 0)
                {
                    _done.TrySetException(e);
                }
            }
        }

        private void SendNext(WorkerConnection worker)
        {
            if (cancellationToken.IsCancellationRequested || !_queue.TryDequeue(out int index))
            {
                return;
            }
            _current[worker] = (index, Stopwatch.GetTimestamp());
            _ = SendAsync(worker, index);
        }

        private async Task SendAsync(WorkerConnection worker, int index)
        {
            var request = batch._request;
            var parameters = new JobParameters
            {
                Ev = request.Parameters.Ev,
                Gamma = request.Parameters.Gamma,
                Input = Path.GetFullPath(request.Files[index].Input),
                OutputPath = Path.GetFullPath(request.Files[index].Output),
                Quality = request.Quality,
                MaxPixels = request.MaxPixels,
            };
            try
            {
                await worker.SendAsync((Id: (ulong)index + 1, parameters), static (frames, s) => frames.WriteJob(s.Id, JobKind.File, s.parameters), cancellationToken);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or WorkerFailedException)
            {
                // The worker is gone: its disconnect fails this file and replaces it.
            }
        }

        private void Finish(int index, BatchFileResult result)
        {
            batch.Complete(index, result);
            if (Interlocked.Decrement(ref _remaining) == 0)
            {
                _done.TrySetResult();
            }
        }

        private static (int Width, int Height) ReadSize(in JobResult result)
        {
            var done = FileJobResult.Read(result.Payload);
            return (done.Width, done.Height);
        }
    }
}

/// <summary>A validated batch: every input paired with its output path.</summary>
internal sealed record BatchRequest(
    IReadOnlyList<(string Input, string Output)> Files,
    string OutputDirectory,
    LutParameters Parameters,
    int Quality,
    long MaxPixels,
    BatchStrategy Strategy,
    int MaxRestarts);

/// <summary>One file of a batch.</summary>
internal sealed record BatchFileResult(string Input, string Output, bool Ok, string? Error, int Width, int Height, double Ms)
{
    public static BatchFileResult Succeeded(string input, string output, int width, int height, double ms) => new(input, output, true, null, width, height, ms);

    public static BatchFileResult Failed(string input, string output, string error, double ms) => new(input, output, false, error, 0, 0, ms);
}

/// <summary>What a batch did.</summary>
internal sealed record BatchReport(string Mode, int Workers, BatchStrategy Strategy, string OutputDirectory, IReadOnlyList<BatchFileResult> Files, double WallMs, double WorkerStartMs)
{
    public int Succeeded => Files.Count(f => f.Ok);

    public int Failed => Files.Count - Succeeded;

    public double Megapixels => Files.Where(f => f.Ok).Sum(f => (double)f.Width * f.Height) / 1e6;
}
