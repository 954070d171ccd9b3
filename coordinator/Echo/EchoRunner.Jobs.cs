using System.Buffers;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.InteropServices;
using MessagePack;
using ProcessFarm.Coordinator.Workers;
using ProcessFarm.Shared.MessagePack;
using ProcessFarm.Shared.Protocol;

namespace ProcessFarm.Coordinator.Echo;

/// <summary>The echo jobs: a piece of a pipe payload, a descriptor in the region, a small latency probe.</summary>
internal sealed partial class EchoRunner
{
    /// <summary>One piece of a worker's share in pipe mode: about 1 MiB of bytes, or 65,536 complex numbers.</summary>
    private sealed class PieceJob(EchoRunner runner, JobSet set, EchoPayload payload, EchoReturn back, int start, int count) : WorkerJob(set)
    {
        public override ReadOnlyMemory<byte> Write(FrameWriter frames, ulong id)
        {
            long started = Stopwatch.GetTimestamp();
            if (payload.Bytes is { } bytes)
            {
                // Bytes need no serializing: the frame's header is written, the payload goes from the array to the socket.
                frames.BeginJob(id, EchoParameters.Instance, PayloadEncoding.Binary, count);
                Interlocked.Add(ref runner._serializeTicks, Stopwatch.GetTimestamp() - started);
                return bytes.AsMemory(start, count);
            }
            // [[re, im], ...]: every item an array of two float 64, so the size is known before writing.
            int header = count <= 15 ? 1 : count <= ushort.MaxValue ? 3 : 5;
            frames.BeginJob(id, EchoParameters.Instance, PayloadEncoding.Value, header + (Float64Pairs.EncodedSize * count));
            var writer = new MessagePackWriter(frames.Output);
            writer.WriteArrayHeader(count);
            // Each item its own array of two float 64, written in bulk (a Complex is two doubles in memory).
            Float64Pairs.Write(ref writer, MemoryMarshal.Cast<Complex, double>(payload.Items.AsSpan(start, count)));
            writer.Flush();
            Interlocked.Add(ref runner._serializeTicks, Stopwatch.GetTimestamp() - started);
            return ReadOnlyMemory<byte>.Empty;
        }

        public override void OnResult(WorkerConnection worker, in JobResult result)
        {
            long started = Stopwatch.GetTimestamp();
            if (back.Bytes is not null)
            {
                if (result.Payload.Length != count)
                {
                    throw new ProtocolException(ErrorCode.Malformed, $"it echoed {result.Payload.Length} bytes of {count}");
                }
                result.Payload.CopyTo(back.Bytes.AsSpan(start, count));
            }
            else
            {
                ReadItems(result.Payload);
            }
            Interlocked.Add(ref runner._deserializeTicks, Stopwatch.GetTimestamp() - started);
            Interlocked.Add(ref runner._workerNs, result.Timings.KernelNs);
        }

        private void ReadItems(ReadOnlySequence<byte> payload)
        {
            var reader = new MessagePackReader(payload);
            int items = reader.ReadArrayHeader();
            if (items != count)
            {
                throw new ProtocolException(ErrorCode.Malformed, $"it echoed {items} items of {count}");
            }
            var doubles = MemoryMarshal.Cast<Complex, double>(back.Items.AsSpan(start, count));
            for (int i = 0; i < count;)
            {
                // In bulk while the items are [float64, float64] within one segment; token by token otherwise.
                int read = Float64Pairs.Read(ref reader, doubles.Slice(2 * i, 2 * Math.Min(Float64Pairs.MaxPerCall, count - i)));
                if (read == 0)
                {
                    if (reader.ReadArrayHeader() != 2)
                    {
                        throw new ProtocolException(ErrorCode.Malformed, $"item {start + i} of its echo is not a pair");
                    }
                    back.Items![start + i] = new Complex(reader.ReadDouble(), reader.ReadDouble());
                    read = 1;
                }
                i += read;
            }
        }

        public override void OnError(WorkerConnection worker, ErrorMessage error) =>
            Set!.Fail(new WorkerFailedException(worker.WorkerId, $"failed echo job {error.JobId}: {error.Code}: {error.Message}"));

        public override void OnFailed(Exception reason) => Set!.Fail(reason);
    }

    /// <summary>shm: a descriptor of a worker's share of the region, which it checks and answers without copying.</summary>
    private sealed class RegionJob(JobSet set, long offset, long length) : WorkerJob(set)
    {
        public override bool ViaChannel => true;

        public override ReadOnlyMemory<byte> Write(FrameWriter frames, ulong id)
        {
            frames.WriteJob(id, new EchoRegionParameters(offset, length));
            return ReadOnlyMemory<byte>.Empty;
        }

        public override void OnResult(WorkerConnection worker, in JobResult result)
        {
        }

        public override void OnError(WorkerConnection worker, ErrorMessage error) =>
            Set!.Fail(new WorkerFailedException(worker.WorkerId, $"failed echo job {error.JobId}: {error.Code}: {error.Message}"));

        public override void OnFailed(Exception reason) => Set!.Fail(reason);
    }

    /// <summary>
    /// One small round trip, sent again and again. Its completion continues on the thread that received the reply
    /// (no thread-pool hand-off per round trip): the waiting loop only sends the next 64 bytes.
    /// </summary>
    private sealed class LatencyJob(byte[]? bytes, int length) : WorkerJob(null)
    {
        private TaskCompletionSource _answered = new();

        public override bool ViaChannel => bytes is null;

        public Task Reset()
        {
            _answered = new TaskCompletionSource(TaskCreationOptions.None);
            return _answered.Task;
        }

        public override ReadOnlyMemory<byte> Write(FrameWriter frames, ulong id)
        {
            if (bytes is null)
            {
                frames.WriteJob(id, new EchoRegionParameters(0, length));
            }
            else
            {
                frames.WriteJob(id, EchoParameters.Instance, bytes);
            }
            return ReadOnlyMemory<byte>.Empty;
        }

        public override void OnResult(WorkerConnection worker, in JobResult result) => _answered.TrySetResult();

        public override void OnError(WorkerConnection worker, ErrorMessage error) =>
            _answered.TrySetException(new WorkerFailedException(worker.WorkerId, $"failed echo job {error.JobId}: {error.Code}: {error.Message}"));

        public override void OnFailed(Exception reason) => _answered.TrySetException(reason);
    }
}
