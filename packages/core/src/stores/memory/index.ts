export { MemoryStore, type MemoryStoreOptions, openMemoryStore } from './memory-store.js'
