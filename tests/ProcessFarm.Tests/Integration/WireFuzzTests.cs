using System.Buffers;
using System.Buffers.Binary;
using ProcessFarm.Shared.Protocol;
using Xunit;

namespace ProcessFarm.Tests.Integration;

/// <summary>
/// Thousands of random and mutated frames against a real worker: every one gets exactly one reply (an Error, or
/// a Result when the mutation left a valid job), the worker never crashes or hangs, and it still serves a valid
/// job at the end. Deterministic (fixed seed) and bounded (count and per-reply timeout).
/// </summary>
[AssertNoLeaks]
[Collection(WorkerCollection.Name)]
public class WireFuzzTests
{
    private const int Frames = 3000;

    [Fact]
    public async Task MutatedAndRandomFrames_EachGetOneReply_AndTheWorkerServesOn()
    {
        await using var worker = await RawWorker.StartAsync();
        using var region = Shared.SharedMemory.SharedRegion.Create("/dev/shm", 4096);
        await worker.SendAsync(f => f.WriteAttach(new AttachRequest(1, region.AttachPath, region.TotalBytes)));
        Assert.Equal(MessageType.Result, (await worker.ReceiveAsync()).Type);

        var random = new Random(20261122);
        byte[][] seeds = Seeds();
        int errors = 0, results = 0;
        for (int i = 0; i < Frames; i++)
        {
            byte[] body = Mutate(seeds[random.Next(seeds.Length)], random);
            if (IsShutdown(body))
            {
                continue; // the one message that legitimately ends the conversation
            }
            await worker.SendRawAsync(Frame(body));
            var reply = await worker.ReceiveAsync();
            if (reply.Type == MessageType.Error)
            {
                errors++;
            }
            else
            {
                results++;
            }
        }

        // The worker is still there and still right.
        byte[] tile = Enumerable.Range(0, 12).Select(i => (byte)(i * 20)).ToArray();
        await worker.SendAsync(f => f.WriteJob(99_999, new LutTileParameters(1, 1, new TileShape(4, 1, 3)), tile));
        var final = await worker.ReceiveAsync();
        Assert.Equal((MessageType.Result, 99_999ul), (final.Type, final.Id));
        Assert.False(worker.Process.HasExited);
        Assert.True(errors > Frames / 2, $"{errors} errors, {results} results: the mutations should mostly break frames");
    }

    /// <summary>Valid frames of every kind, the raw material of mutations.</summary>
    private static byte[][] Seeds()
    {
        var tile = new LutTileParameters(0.5, 2, new TileShape(4, 2, 3));
        var bodies = new List<byte[]>
        {
            Body(f => f.WriteJob(1, tile, new byte[24])),
            Body(f => f.WriteJob(2, new LutRegionParameters(0.5, 2, tile.Shape, 0, 100))),
            Body(f => f.WriteJob(3, EchoParameters.Instance, new byte[40])),
            Body(f => f.WriteJob(4, new LutRegionParameters(0.5, 2, tile.Shape, 4000, 4000))),
            Body(f => f.WriteAttach(new AttachRequest(5, "/nonexistent", 8192))),
            Body(f => f.WriteHello(new HelloMessage(1, 0, 1, new byte[32], "x", new byte[32]))),
            // Hostile by construction: huge declared sizes, deep nesting, an unknown type.
            new byte[] { 0x95, 0x03, 0x06, 0xa3, (byte)'l', (byte)'u', (byte)'t', 0x80, 0xc6, 0x7f, 0xff, 0xff, 0xff },
            new byte[] { 0x95, 0x03, 0x07, 0xdb, 0xff, 0xff, 0xff, 0xff },
            new byte[] { 0xdd, 0xff, 0xff, 0xff, 0xff, 0x03 },
            new byte[] { 0x95, 0x03, 0x08, 0xa4, (byte)'e', (byte)'c', (byte)'h', (byte)'o', 0x80 }.Concat(Enumerable.Repeat((byte)0x91, 200)).Append((byte)0xc0).ToArray(),
            new byte[] { 0x91, 0x63 },
        };
        return [.. bodies];
    }

    private static byte[] Mutate(byte[] seed, Random random)
    {
        switch (random.Next(6))
        {
            case 0: // flip bits
                byte[] flipped = (byte[])seed.Clone();
                for (int k = random.Next(1, 4); k > 0; k--)
                {
                    flipped[random.Next(flipped.Length)] ^= (byte)(1 << random.Next(8));
                }
                return flipped;
            case 1: // truncate inside the body (the frame's own length still matches what is sent)
                return seed[..random.Next(seed.Length)];
            case 2: // replace a byte with a format code
                byte[] replaced = (byte[])seed.Clone();
                replaced[random.Next(replaced.Length)] = (byte)random.Next(0xc0, 0x100);
                return replaced;
            case 3: // append garbage
                byte[] tail = new byte[random.Next(1, 16)];
                random.NextBytes(tail);
                return [.. seed, .. tail];
            case 4: // random bytes
                byte[] noise = new byte[random.Next(0, 64)];
                random.NextBytes(noise);
                return noise;
            default: // the seed itself
                return seed;
        }
    }

    private static bool IsShutdown(byte[] body)
    {
        try
        {
            return FrameReader.ReadType(new ReadOnlySequence<byte>(body)) == MessageType.Shutdown;
        }
        catch (ProtocolException)
        {
            return false;
        }
    }

    private static byte[] Body(Action<FrameWriter> write)
    {
        var output = new ArrayBufferWriter<byte>();
        write(new FrameWriter(output));
        return output.WrittenSpan[ProtocolLimits.FrameHeaderSize..].ToArray();
    }

    private static byte[] Frame(byte[] body)
    {
        byte[] frame = new byte[ProtocolLimits.FrameHeaderSize + body.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)body.Length);
        body.CopyTo(frame, ProtocolLimits.FrameHeaderSize);
        return frame;
    }
}
