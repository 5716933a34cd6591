import type { MessageState } from './message-state.js'

const LABELS: Record<MessageState, string> = {
  pending: 'Pending',
  leased: 'Leased',
  delayed: 'Delayed',
  dead: 'Dead',
  confirmed: 'Confirmed',
}

/** A message state as a coloured badge (colour is never the only cue: the word is always there). */
export function StatusBadge(props: { state: MessageState }) {
  return <span class={`badge badge-${props.state}`}>{LABELS[props.state]}</span>
}
