using System.Buffers;
using System.Runtime.CompilerServices;
using SixLabors.ImageSharp.Memory;

namespace ProcessFarm.Shared.Imaging.Internal;

/// <summary>
/// ImageSharp's allocator with a ceiling on what one decode or encode may hold at once: a file whose decoder asks
/// for more than the image it declares can need fails with <see cref="InvalidMemoryOperationException"/> instead
/// of taking the machine's memory. Buffers come from one shared unpooled allocator, so their memory goes back to
/// the system when they are disposed, and zeroed, so that what an encoder leaves unwritten is the same every time.
/// </summary>
internal sealed class BoundedAllocator(long budgetBytes) : MemoryAllocator
{
    private const int BufferBytes = 4 << 20;

    private static readonly MemoryAllocator s_inner = Create(new MemoryAllocatorOptions { MaximumPoolSizeMegabytes = 0 });

    private long _outstanding;

    /// <summary>The most this allocator may hold at once.</summary>
    public long BudgetBytes => budgetBytes;

    public override IMemoryOwner<T> Allocate<T>(int length, AllocationOptions options = AllocationOptions.None)
    {
        long bytes = (long)length * Unsafe.SizeOf<T>();
        if (Interlocked.Add(ref _outstanding, bytes) > budgetBytes)
        {
            Interlocked.Add(ref _outstanding, -bytes);
            throw new InvalidMemoryOperationException($"decoding needs more than the {budgetBytes >> 20} MB this image may take");
        }
        try
        {
            // Always zeroed: some encoders write buffers they never filled (BMP's row padding), and every mode must
            // produce the same bytes.
            return new Owner<T>(s_inner.Allocate<T>(length, options | AllocationOptions.Clean), this, bytes);
        }
        catch
        {
            Interlocked.Add(ref _outstanding, -bytes);
            throw;
        }
    }

    protected override int GetBufferCapacityInBytes() => BufferBytes;

    private sealed class Owner<T>(IMemoryOwner<T> inner, BoundedAllocator allocator, long bytes) : IMemoryOwner<T>
    {
        private int _disposed;

        public Memory<T> Memory => inner.Memory;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                inner.Dispose();
                Interlocked.Add(ref allocator._outstanding, -bytes);
            }
        }
    }
}
