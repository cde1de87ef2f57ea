"""The credit loop: confirmed loan defaults reported by banks become black-list records the indicators see."""
