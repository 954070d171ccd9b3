using System.Diagnostics;
using ProcessFarm.Coordinator.Execution;
using ProcessFarm.Coordinator.Reports;
using ProcessFarm.Coordinator.Workers;
using ProcessFarm.Shared.Imaging;
using ProcessFarm.Shared.MessagePack;
using ProcessFarm.Shared.Native;
using ProcessFarm.Shared.Protocol;

namespace ProcessFarm.Coordinator.Processing;

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
        return new BatchReport(engine.Mode.Name(), engine.Workers, request.Strategy, request.OutputDirectory, [.. runner._results.Select(r => r!)], wallMs, engine.WorkerStartMs)
        {
            Faults = engine.WorkerStats,
        };
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        // Temporaries a killed run or a killed worker left in the output directory: before, and once more after,
        // when every worker that died during this batch is gone for good.
        OutputTemporaries.SweepStale(_request.OutputDirectory);
        try
        {
            await RunStrategyAsync(cancellationToken);
        }
        finally
        {
            OutputTemporaries.SweepStale(_request.OutputDirectory);
        }
    }

    private async Task RunStrategyAsync(CancellationToken cancellationToken)
    {
        if (_request.Strategy == BatchStrategy.Strips)
        {
            await RunStripsAsync(cancellationToken);
        }
        else if (_engine is WorkerEngine workers)
        {
            await workers.StartAsync(cancellationToken);
            await RunFilesOnWorkersAsync(workers.Supervisor!, cancellationToken);
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
                var report = await ProcessRunner.RunAsync(new ProcessRequest(input, output, _request.Parameters, null, _request.Quality, _request.MaxPixels, SampleImage.DefaultGeometry, Codec: _request.Codec), _engine, cancellationToken);
                Complete(i, BatchFileResult.Succeeded(input, output, report.Width, report.Height, Stopwatch.GetElapsedTime(started).TotalMilliseconds));
            }
            catch (InputException e)
            {
                Complete(i, BatchFileResult.Failed(input, output, e.Message, Stopwatch.GetElapsedTime(started).TotalMilliseconds));
            }
        }
    }

    /// <summary>Files on threads: N dedicated threads, each taking the next file and doing all of it.</summary>
    private void RunFilesOnThreads(CancellationToken cancellationToken)
    {
        DedicatedThreads.Run(_request.Files.Count, _engine.Workers, "batch", new FileWork(this, LookupTable.Create(_request.Parameters)), cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>One whole file on the calling thread: decode, LUT and encode band by band, written atomically.</summary>
    private readonly struct FileWork(BatchRunner batch, LookupTable lut) : IIndexedWork
    {
        public void Invoke(int index)
        {
            var (input, output) = batch._request.Files[index];
            long started = Stopwatch.GetTimestamp();
            try
            {
                var done = ImageFile.Transform(input, output, lut, new TransformOptions(batch._request.Quality, batch._request.MaxPixels, batch._request.Codec));
                batch.Complete(index, BatchFileResult.Succeeded(input, output, done.Geometry.Width, done.Geometry.Height, Stopwatch.GetElapsedTime(started).TotalMilliseconds));
            }
            catch (Exception e) when (ImageFile.DescribeTransformFailure(e) is { } problem)
            {
                batch.Complete(index, BatchFileResult.Failed(input, output, problem, Stopwatch.GetElapsedTime(started).TotalMilliseconds));
            }
        }
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
    /// Files over the workers: one file job per worker at a time (a file is hundreds of milliseconds of work, so
    /// one in flight keeps a worker busy). A bad file is that file's error. A worker that dies is replaced by the
    /// supervisor and the file it held goes to another worker; a file that kills every worker it meets fails alone.
    /// </summary>
    private async Task RunFilesOnWorkersAsync(WorkerSupervisor supervisor, CancellationToken cancellationToken)
    {
        var set = new JobSet();
        for (int i = 0; i < _request.Files.Count; i++)
        {
            set.Add(new FileJob(this, set, i));
        }
        supervisor.Submit(set);
        await set.WaitAsync(cancellationToken);
    }

    /// <summary>One whole file on a worker: only its two paths travel.</summary>
    private sealed class FileJob(BatchRunner batch, JobSet set, int index) : WorkerJob(set)
    {
        public override bool Exclusive => true;

        private string Input => batch._request.Files[index].Input;

        private string Output => batch._request.Files[index].Output;

        public override ReadOnlyMemory<byte> Write(FrameWriter frames, ulong id)
        {
            var request = batch._request;
            var map = request.PathMap;
            string input = Path.GetFullPath(Input);
            string output = Path.GetFullPath(Output);
            frames.WriteJob(id, new FileJobParameters(
                request.Parameters.Ev, request.Parameters.Gamma, map.IsEmpty ? input : map.Map(input) ?? input, map.IsEmpty ? output : map.Map(output) ?? output, request.Quality, request.MaxPixels, request.Codec));
            return ReadOnlyMemory<byte>.Empty;
        }

        public override void OnResult(WorkerConnection worker, in JobResult result)
        {
            FileJobResult done;
            try
            {
                done = FileJobResult.Read(result.Payload);
            }
            catch (Exception e) when (MessagePackReading.IsDecodingFailure(e))
            {
                throw new ProtocolException(ErrorCode.Malformed, $"its file result is not a valid map: {e.Message}", e);
            }
            batch.Complete(index, BatchFileResult.Succeeded(Input, Output, done.Width, done.Height, Elapsed));
        }

        public override void OnError(WorkerConnection worker, ErrorMessage error) =>
            batch.Complete(index, BatchFileResult.Failed(Input, Output, error.Message, Elapsed));

        public override void OnFailed(Exception reason)
        {
            if (reason is JobFailedException alone)
            {
                batch.Complete(index, BatchFileResult.Failed(Input, Output, alone.Message, Elapsed));
                return;
            }
            Set!.Fail(reason); // the workers gave up, or the batch is stopping: the batch fails as a whole
        }

        /// <summary>Since the file went to its (last) worker.</summary>
        private double Elapsed => Stopwatch.GetElapsedTime(AssignedTimestamp).TotalMilliseconds;
    }
}
