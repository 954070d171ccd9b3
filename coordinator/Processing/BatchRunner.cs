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
    private int _filesByPath;
    private int _filesByBytes;
    private long _bytesIn;
    private long _bytesOut;

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
            Transfer = engine.Mode == ExecutionMode.Cluster && request.Strategy == BatchStrategy.Files
                ? new BatchTransfer(runner._filesByPath, runner._filesByBytes, Interlocked.Read(ref runner._bytesIn), Interlocked.Read(ref runner._bytesOut))
                : null,
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
    /// Files over the workers: one file job per worker at a time when paths travel (a file is hundreds of
    /// milliseconds of work, so one in flight keeps a worker busy), up to <c>--inflight</c> when bytes do (the next
    /// file crosses the wire while the worker is busy with this one). A bad file is that file's error. A worker that dies is replaced by the
    /// supervisor and the file it held goes to another worker; a file that kills every worker it meets fails alone.
    /// </summary>
    private async Task RunFilesOnWorkersAsync(WorkerSupervisor supervisor, CancellationToken cancellationToken)
    {
        var set = new JobSet();
        for (int i = 0; i < _request.Files.Count; i++)
        {
            var (input, output) = _request.Files[i];
            var job = new FileJob(this, set, i, _engine.Mode == ExecutionMode.Cluster);
            if (job.SendsBytes && TooLargeToSend(input) is { } problem)
            {
                Complete(i, BatchFileResult.Failed(input, output, problem, 0));
                continue;
            }
            Interlocked.Increment(ref job.SendsBytes ? ref _filesByBytes : ref _filesByPath);
            set.Add(job);
        }
        supervisor.Submit(set);
        await set.WaitAsync(cancellationToken);
    }

    /// <summary>Why an input cannot travel as bytes (over <see cref="ProtocolLimits.MaxFileBytes"/>), or null.</summary>
    private static string? TooLargeToSend(string input)
    {
        var info = new FileInfo(input);
        return info.Exists && info.Length > ProtocolLimits.MaxFileBytes
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"is {info.Length / 1048576.0:0.0} MiB, over the {ProtocolLimits.MaxFileBytes >> 20} MiB a file may have to travel to a node; share its directory with --path-map")
            : null; // a file that is missing now fails when it is read, with the usual message
    }

    /// <summary>
    /// One whole file on a worker. Its two paths travel when the worker can see them: pipe and shm workers, and
    /// cluster nodes through <c>--path-map</c>. Otherwise (a cluster node, a file outside every mapped directory)
    /// the encoded input travels in a <c>file_bytes</c> job and the encoded output comes back, written here
    /// atomically as a worker would.
    /// </summary>
    private sealed class FileJob : WorkerJob
    {
        private readonly BatchRunner _batch;
        private readonly int _index;
        private readonly string? _remoteInput;
        private readonly string? _remoteOutput;
        private string? _readProblem;

        public FileJob(BatchRunner batch, JobSet set, int index, bool cluster)
            : base(set)
        {
            _batch = batch;
            _index = index;
            var map = batch._request.PathMap;
            if (!cluster)
            {
                (_remoteInput, _remoteOutput) = (Path.GetFullPath(Input), Path.GetFullPath(Output));
            }
            else if (map.Map(Input) is { } input && map.Map(Output) is { } output)
            {
                (_remoteInput, _remoteOutput) = (input, output);
            }
        }

        /// <summary>Whether the file's bytes travel instead of its paths.</summary>
        public bool SendsBytes => _remoteInput is null;

        /// <summary>
        /// A path job takes the whole worker. A bytes job does not: with the next file already on its way, the
        /// transfer in and out hides behind the work (24 x 12 MP JPEGs: 1.35 s instead of 1.45 s, docs/RESULTS.md),
        /// at the price of a file's report time including its wait behind the one before.
        /// </summary>
        public override bool Exclusive => !SendsBytes;

        private string Input => _batch._request.Files[_index].Input;

        private string Output => _batch._request.Files[_index].Output;

        public override ReadOnlyMemory<byte> Write(FrameWriter frames, ulong id)
        {
            var request = _batch._request;
            if (!SendsBytes)
            {
                frames.WriteJob(id, new FileJobParameters(
                    request.Parameters.Ev, request.Parameters.Gamma, _remoteInput!, _remoteOutput!, request.Quality, request.MaxPixels, request.Codec));
                return ReadOnlyMemory<byte>.Empty;
            }

            // Read at each attempt, not kept: a batch holds only the files its workers are working on. Write must
            // not throw (it runs in the worker's send loop), so an input that cannot be read goes as an empty
            // file, which the worker refuses, and the reply is reported with the reason found here.
            byte[] input;
            try
            {
                input = ImageFile.ReadInput(Input);
                _readProblem = null;
                if (input.Length > ProtocolLimits.MaxFileBytes)
                {
                    (input, _readProblem) = ([], $"grew over the {ProtocolLimits.MaxFileBytes >> 20} MiB a file may have to travel to a node");
                }
            }
            catch (InputException e)
            {
                (input, _readProblem) = ([], e.Problem);
            }
            frames.BeginJob(id, new FileBytesJobParameters(
                request.Parameters.Ev, request.Parameters.Gamma, Path.GetExtension(Output), request.Quality, request.MaxPixels, request.Codec), PayloadEncoding.Binary, input.Length);
            Interlocked.Add(ref _batch._bytesIn, input.Length);
            return input;
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
            if (SendsBytes)
            {
                if (!done.HasOutput)
                {
                    throw new ProtocolException(ErrorCode.Malformed, "its file_bytes result has no 'output'");
                }
                Interlocked.Add(ref _batch._bytesOut, done.Output.Length);
                try
                {
                    // On the worker's receive thread, straight from the frame: the worker is busy with nothing else.
                    ImageFile.WriteAtomically(Output, done.Output);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    _batch.Complete(_index, BatchFileResult.Failed(Input, Output, $"cannot write '{Output}': {e.Message}", Elapsed));
                    return;
                }
            }
            _batch.Complete(_index, BatchFileResult.Succeeded(Input, Output, done.Width, done.Height, Elapsed));
        }

        public override void OnError(WorkerConnection worker, ErrorMessage error) =>
            _batch.Complete(_index, BatchFileResult.Failed(Input, Output, _readProblem ?? error.Message, Elapsed));

        public override void OnFailed(Exception reason)
        {
            if (reason is JobFailedException alone)
            {
                _batch.Complete(_index, BatchFileResult.Failed(Input, Output, alone.Message, Elapsed));
                return;
            }
            Set!.Fail(reason); // the workers gave up, or the batch is stopping: the batch fails as a whole
        }

        /// <summary>Since the file went to its (last) worker.</summary>
        private double Elapsed => Stopwatch.GetElapsedTime(AssignedTimestamp).TotalMilliseconds;
    }
}
